//! A form's fields as HTML: each an `input`, `textarea` or `select` named by the
//! component's key, with the browser's validation attributes and a `label for` it.
//! The caller wraps them in its `<form method="post">` (without `novalidate`).

use maud::{Markup, html};

use super::submit::FieldError;
use super::{Component, DateKind, Entry, Env, Filled, Form, Kind, markdown};

/// The form's fields, showing `filled`, with `errors` beside their fields. `enabled`
/// false draws every field disabled (a caller who may not complete the task).
pub fn render(
    form: &Form,
    filled: &Filled,
    env: &Env,
    errors: &[FieldError],
    enabled: bool,
) -> Markup {
    let mut ids = 0usize;
    html! {
        div.camunda-form {
            @for component in &form.components {
                (component_html(component, filled, env, errors, enabled, &mut ids))
            }
        }
    }
}

fn component_html(
    c: &Component,
    filled: &Filled,
    env: &Env,
    errors: &[FieldError],
    enabled: bool,
    ids: &mut usize,
) -> Markup {
    if env.hidden(c) {
        return html! {};
    }
    *ids += 1;
    let id = format!("field-{ids}");
    match &c.kind {
        Kind::Text => html! { div.form-text { (markdown::render(&c.text, env)) } },
        Kind::Separator => html! { hr; },
        Kind::Spacer => html! {},
        Kind::Group(children) => html! {
            fieldset.form-group {
                @if let Some(label) = c.label.as_deref().filter(|l| !l.is_empty()) {
                    legend { (label) }
                }
                @for child in children {
                    (component_html(child, filled, env, errors, enabled, ids))
                }
            }
        },
        Kind::Unknown(kind) => html! {
            p.note {
                "This form has a " code { (kind) } " component"
                @if let Some(label) = &c.label { " (" (label) ")" }
                ", which is not shown here."
            }
        },
        _ => match c.key.as_deref() {
            Some(key) => field(c, key, &id, filled.get(key), env, errors, enabled),
            None => html! {
                p.note { "The " (c.title()) " field has no key, so it is not shown." }
            },
        },
    }
}

fn field(
    c: &Component,
    key: &str,
    id: &str,
    entry: Option<&Entry>,
    env: &Env,
    errors: &[FieldError],
    enabled: bool,
) -> Markup {
    let error = errors.iter().find(|e| e.key == key);
    let disabled = !enabled || env.disabled(c);
    let readonly = env.readonly(c);
    let v = &c.validate;
    let text = match entry {
        Some(Entry::Text(t)) => t.as_str(),
        _ => "",
    };
    let described = {
        let mut parts = Vec::new();
        if c.description.is_some() {
            parts.push(format!("{id}-hint"));
        }
        if error.is_some() {
            parts.push(format!("{id}-error"));
        }
        (!parts.is_empty()).then(|| parts.join(" "))
    };
    let invalid = error.map(|_| "true");
    let label = html! {
        label for=(id) {
            (c.title())
            @if v.required { span.required aria-hidden="true" { " *" } }
        }
    };
    let after = html! {
        @if let Some(description) = &c.description {
            p.hint id=(format!("{id}-hint")) { (description) }
        }
        @if let Some(error) = error {
            p.field-error id=(format!("{id}-error")) { (error.message) }
        }
    };
    let number = |n: Option<f64>| n.map(|n| n.to_string());
    let control = match &c.kind {
        Kind::TextField => {
            let kind = match v.validation_type.as_deref() {
                Some("email") => "email",
                Some("phone") => "tel",
                _ => "text",
            };
            html! {
                input type=(kind) id=(id) name=(key) value=(text) required[v.required]
                    minlength=[v.min_length] maxlength=[v.max_length] pattern=[v.pattern.as_deref()]
                    readonly[readonly] disabled[disabled] aria-describedby=[described.as_deref()]
                    aria-invalid=[invalid];
            }
        }
        Kind::TextArea => html! {
            textarea id=(id) name=(key) required[v.required] minlength=[v.min_length]
                maxlength=[v.max_length] readonly[readonly] disabled[disabled]
                aria-describedby=[described.as_deref()] aria-invalid=[invalid] { (text) }
        },
        Kind::Number => {
            let step = c.increment.clone().or_else(|| {
                c.decimal_digits.map(|d| match d {
                    0 => "1".to_string(),
                    d => format!("0.{}1", "0".repeat(d as usize - 1)),
                })
            });
            html! {
                input type="number" id=(id) name=(key) value=(text) required[v.required]
                    min=[number(v.min)] max=[number(v.max)] step=(step.as_deref().unwrap_or("any"))
                    inputmode="decimal" readonly[readonly] disabled[disabled]
                    aria-describedby=[described.as_deref()] aria-invalid=[invalid];
            }
        }
        Kind::Datetime(kind) => {
            let input = match kind {
                DateKind::Date => "date",
                DateKind::Time => "time",
                DateKind::DateTime => "datetime-local",
            };
            html! {
                input type=(input) id=(id) name=(key) value=(text) required[v.required]
                    readonly[readonly] disabled[disabled]
                    aria-describedby=[described.as_deref()] aria-invalid=[invalid];
            }
        }
        Kind::Checkbox => {
            let checked = matches!(entry, Some(Entry::Checked(true)));
            // A read-only checkbox cannot be made so in HTML: it is disabled instead,
            // and the server keeps its value.
            return html! {
                div.field.check {
                    input type="checkbox" id=(id) name=(key) value="true" checked[checked]
                        required[v.required] disabled[disabled || readonly]
                        aria-describedby=[described.as_deref()] aria-invalid=[invalid];
                    (label)
                    (after)
                }
            };
        }
        Kind::Checklist | Kind::Radio => {
            let radio = c.kind == Kind::Radio;
            let chosen: Vec<&str> = match entry {
                Some(Entry::Many(all)) => all.iter().map(String::as_str).collect(),
                Some(Entry::Text(t)) => vec![t.as_str()],
                _ => Vec::new(),
            };
            return html! {
                fieldset.field.choices aria-describedby=[described.as_deref()]
                    aria-invalid=[invalid] {
                    legend {
                        (c.title())
                        @if v.required { span.required aria-hidden="true" { " *" } }
                    }
                    @for (n, choice) in env.choices(c).iter().enumerate() {
                        @let token = choice.token();
                        @let choice_id = format!("{id}-{n}");
                        div.choice {
                            input type=(if radio { "radio" } else { "checkbox" }) id=(choice_id)
                                name=(key) value=(token) checked[chosen.contains(&token.as_str())]
                                required[radio && v.required] disabled[disabled || readonly];
                            label for=(choice_id) { (choice.label) }
                        }
                    }
                    (after)
                }
            };
        }
        Kind::Select | Kind::Taglist => {
            let many = c.kind == Kind::Taglist;
            let chosen: Vec<&str> = match entry {
                Some(Entry::Many(all)) => all.iter().map(String::as_str).collect(),
                Some(Entry::Text(t)) => vec![t.as_str()],
                _ => Vec::new(),
            };
            html! {
                select id=(id) name=(key) required[v.required] multiple[many]
                    disabled[disabled || readonly] aria-describedby=[described.as_deref()]
                    aria-invalid=[invalid] {
                    @if !many { option value="" { "—" } }
                    @for choice in env.choices(c) {
                        @let token = choice.token();
                        option value=(token) selected[chosen.contains(&token.as_str())] {
                            (choice.label)
                        }
                    }
                }
            }
        }
        Kind::Text | Kind::Group(_) | Kind::Separator | Kind::Spacer | Kind::Unknown(_) => {
            html! {}
        }
    };
    html! {
        div.field {
            (label)
            (control)
            (after)
        }
    }
}
