// Baton's pages work without this script; it adds live updates and conveniences.
//
// Live updates: an element with `data-live-events="<query>"` follows `/v1/events?<query>`
// (the session cookie authenticates it); after events arrive, the page is fetched again
// in the background and every element with `data-live-region` and an `id` is replaced by
// the fetched one, so the page changes without a reload (and keeps what is typed elsewhere).

const REFRESH_DELAY_MS = 250;

function follow(container) {
  const query = container.getAttribute("data-live-events") || "";
  const stop = new AbortController();
  let pending = null;
  const refresh = () => {
    pending = null;
    fetch(location.href, { headers: { Accept: "text/html" }, signal: stop.signal })
      .then((response) => (response.ok ? response.text() : null))
      .then((text) => {
        if (text === null) return;
        const fresh = new DOMParser().parseFromString(text, "text/html");
        for (const region of document.querySelectorAll("[data-live-region][id]")) {
          const next = fresh.getElementById(region.id);
          if (next) region.replaceWith(document.importNode(next, true));
        }
        document.dispatchEvent(new CustomEvent("baton:refreshed"));
      })
      .catch(() => {});
  };
  const schedule = () => {
    if (pending === null) pending = setTimeout(refresh, REFRESH_DELAY_MS);
  };
  // The stream is read as bytes: any event at all may change the page, and fetch (unlike
  // EventSource) needs no listener per event type. It reconnects after a pause.
  const listen = async () => {
    while (!stop.signal.aborted) {
      try {
        const response = await fetch("/v1/events" + (query ? "?" + query : ""), {
          headers: { Accept: "text/event-stream" },
          signal: stop.signal,
        });
        if (!response.ok || !response.body) throw new Error(String(response.status));
        const reader = response.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          // Comment lines (": keep-alive") are not events.
          const text = new TextDecoder().decode(value);
          if (/^(event|data|id):/m.test(text)) schedule();
        }
      } catch (_) {
        // Aborted on leaving the page, or the server went away: try again shortly.
      }
      await new Promise((resume) => setTimeout(resume, 2000));
    }
  };
  addEventListener("pagehide", () => stop.abort());
  listen();
}

// A checkbox with `data-select-all="<name>"` checks or clears every checkbox of that name.
function selectAll(box) {
  box.addEventListener("change", () => {
    for (const other of document.querySelectorAll(`input[type=checkbox][name="${box.dataset.selectAll}"]`)) {
      other.checked = box.checked;
    }
  });
}

for (const container of document.querySelectorAll("[data-live-events]")) follow(container);
for (const box of document.querySelectorAll("[data-select-all]")) selectAll(box);
