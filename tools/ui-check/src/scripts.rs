//! The JavaScript the checks run in the page (WebDriver "execute script": `arguments`
//! are the Rust-side arguments, a returned promise is awaited). Each reads the page
//! through its public contract: URLs, `data-testid`, `data-element-id`, form semantics.

/// What a visit found: the navigation's HTTP status, whether the login form is shown,
/// the width of the page, the viewport meta, resources that failed or came from elsewhere.
pub const PAGE_STATE: &str = r#"
const nav = performance.getEntriesByType('navigation')[0];
const resources = performance.getEntriesByType('resource')
  .filter(r => !new URL(r.name).pathname.endsWith('/favicon.ico'));
const meta = document.querySelector('meta[name="viewport"]');
return {
  status: nav && nav.responseStatus ? nav.responseStatus : 0,
  login: !!document.querySelector('[data-testid="login-token"]'),
  scrollWidth: document.scrollingElement.scrollWidth,
  innerWidth: window.innerWidth,
  viewport: meta ? meta.getAttribute('content') : null,
  failed: resources.filter(r => r.responseStatus >= 400).map(r => r.name + ' answered ' + r.responseStatus),
  external: resources.map(r => r.name).filter(u => !u.startsWith('data:') && new URL(u).origin !== location.origin),
  text: document.body ? document.body.innerText.replace(/\s+/g, ' ').slice(0, 300) : ''
};"#;

/// Whether the document has finished loading.
pub const READY: &str = "return document.readyState === 'complete'";

/// The page's visible text.
pub const TEXT: &str = "return document.body ? document.body.innerText : ''";

/// The paths of the links in (or being) the elements with `data-testid` arguments[0], or
/// of every link on the page when it is null.
pub const LINKS: &str = r#"
const rows = arguments[0] ? document.querySelectorAll('[data-testid="' + arguments[0] + '"]') : [document.body];
return Array.from(rows).flatMap(r => [r, ...r.querySelectorAll('a[href]')])
  .filter(a => a && a.href).map(a => new URL(a.href, location.href).pathname);"#;

/// The texts of the elements with `data-testid` arguments[0] that link to path arguments[1].
pub const ROWS_LINKING: &str = r#"
return Array.from(document.querySelectorAll('[data-testid="' + arguments[0] + '"]'))
  .filter(r => [r, ...r.querySelectorAll('a[href]')]
    .some(a => a.href && new URL(a.href, location.href).pathname === arguments[1]))
  .map(r => r.innerText);"#;

/// How many elements match CSS selector arguments[0].
pub const COUNT: &str = "return document.querySelectorAll(arguments[0]).length";

/// The `class` sets of the diagram elements (inline SVG, `data-element-id`).
pub const DIAGRAM_CLASSES: &str = r#"
return Array.from(document.querySelectorAll('svg [data-element-id]'))
  .map(e => (e.getAttribute('class') || '').split(/\s+/));"#;

/// How many elements with `data-testid` arguments[0] a person could press: shown, not
/// `disabled`, not `aria-disabled`, not in a disabled fieldset.
pub const ENABLED: &str = r#"
return Array.from(document.querySelectorAll('[data-testid="' + arguments[0] + '"]'))
  .filter(b => b.getClientRects().length > 0 && !b.disabled
    && b.getAttribute('aria-disabled') !== 'true' && !b.closest('fieldset[disabled]')).length;"#;

/// The buttons a person could press that post to path arguments[0] (the bulk actions):
/// submit buttons of a form with that action, or with that `formaction`.
pub const ENABLED_SUBMITTERS: &str = r#"
const path = u => new URL(u, location.href).pathname;
return Array.from(document.querySelectorAll('button, input[type=submit], input[type=image]'))
  .filter(b => b.type === 'submit' || b.type === 'image')
  .filter(b => b.hasAttribute('formaction') ? path(b.formAction) === arguments[0]
    : !!b.form && path(b.form.action) === arguments[0])
  .filter(b => b.getClientRects().length > 0 && !b.disabled
    && b.getAttribute('aria-disabled') !== 'true' && !b.closest('fieldset[disabled]'))
  .map(b => (b.innerText || b.value || b.name || '').trim());"#;

/// Moves the focus to the start of the page, as if it had just been opened without an
/// `autofocus`: the next Tab goes to the first focusable element.
pub const FOCUS_START: &str = r#"
if (document.activeElement) document.activeElement.blur();
const b = document.body;
b.setAttribute('tabindex', '-1');
b.focus();
b.removeAttribute('tabindex');
window.scrollTo(0, 0);
return document.activeElement === b;"#;

/// The focused element: its `data-testid`, tag, type, name, and whether it belongs to the
/// form marked by [`MARK_TASK_FORM`].
pub const FOCUSED: &str = r#"
const e = document.activeElement;
if (!e || e === document.body || e === document.documentElement) return null;
return {
  testid: e.getAttribute('data-testid') || '',
  tag: e.tagName.toLowerCase(),
  type: (e.getAttribute('type') || e.type || '').toLowerCase(),
  name: e.getAttribute('name') || '',
  inForm: !!(e.form && e.form.hasAttribute('data-ui-check')),
  label: (e.innerText || e.value || e.getAttribute('aria-label') || '').trim().slice(0, 40)
};"#;

/// Marks the form of `[data-testid=task-complete]` and returns the names of its fields a
/// person fills in (shown, enabled, named), or null when there is no such form.
pub const MARK_TASK_FORM: &str = r#"
const b = document.querySelector('[data-testid="task-complete"]');
if (!b || !b.form) return null;
b.form.setAttribute('data-ui-check', '');
return Array.from(b.form.elements)
  .filter(e => e.name && !e.disabled && e.type !== 'hidden' && e.type !== 'submit'
    && e.tagName !== 'BUTTON' && e.getClientRects().length > 0)
  .map(e => e.name);"#;

/// The form post `[data-testid=task-complete]` would send, with every empty text field
/// given a value (numbers 3, text "ui-check"): `{action, body}` (URL-encoded), or null.
/// Only read, never sent, here.
pub const TASK_FORM_POST: &str = r#"
const b = document.querySelector('[data-testid="task-complete"]');
if (!b || !b.form) return null;
const f = b.form;
for (const e of f.elements) {
  if (!e.name || e.disabled || e.value) continue;
  if (e.type === 'number') e.value = '3';
  else if (e.tagName === 'TEXTAREA' || ['text', 'email', 'search', 'tel', 'url'].includes(e.type)) e.value = 'ui-check';
}
const action = b.hasAttribute('formaction') ? b.formAction : f.action;
const u = new URL(action, location.href);
return {action: u.pathname + u.search, body: new URLSearchParams(new FormData(f, b)).toString()};"#;

/// The form post that cancels instance arguments[0] in bulk on `/instances`: the form
/// posting to `/instances/bulk` with that instance's checkbox checked (and no other),
/// text fields (the reason) filled in, the cancel action chosen (a submit button, an
/// option or a radio button saying "cancel"). `{action, body, picked}` or null. Only
/// read, never sent, here.
pub const BULK_CANCEL_POST: &str = r#"
const path = u => new URL(u, location.href).pathname;
const f = Array.from(document.forms).find(f => path(f.action) === '/instances/bulk')
  || Array.from(document.querySelectorAll('[formaction]'))
       .filter(b => path(b.formAction) === '/instances/bulk').map(b => b.form).find(f => f);
if (!f) return null;
let picked = false;
const says = (e, what) => what.test([e.value, e.name, e.id, e.innerText, e.labels && Array.from(e.labels).map(l => l.innerText).join(' ')].join(' '));
for (const e of f.elements) {
  if (e.type === 'checkbox') {
    e.checked = e.value === String(arguments[0]);
    picked = picked || e.checked;
  } else if (e.type === 'radio' && says(e, /cancel/i)) {
    e.checked = true;
  } else if (e.tagName === 'SELECT') {
    const o = Array.from(e.options).find(o => /cancel/i.test(o.value + ' ' + o.text));
    if (o) e.value = o.value;
  } else if ((e.tagName === 'TEXTAREA' || ['text', ''].includes(e.type)) && !e.value && e.name) {
    e.value = 'ui-check: a viewer may not cancel';
  }
}
const submitters = Array.from(f.elements).filter(e => e.type === 'submit');
const s = submitters.find(e => says(e, /cancel/i));
const action = s && s.hasAttribute('formaction') ? s.formAction : f.action;
const u = new URL(action, location.href);
return {action: u.pathname + u.search, body: new URLSearchParams(new FormData(f, s || null)).toString(), picked};"#;

/// Sends a form post from the page (so with its session cookie and origin):
/// arguments[0] the path, arguments[1] the URL-encoded body. Returns the answer's status
/// (0 for a redirect, which is not followed).
pub const POST_FORM: &str = r#"
return fetch(arguments[0], {method: 'POST', body: arguments[1], redirect: 'manual',
  credentials: 'same-origin', headers: {'Content-Type': 'application/x-www-form-urlencoded'}})
  .then(r => r.type === 'opaqueredirect' ? 0 : r.status, e => -1);"#;
