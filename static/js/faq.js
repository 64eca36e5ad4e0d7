// The [FAQ] button: ask for the FAQ, then stream it into the card (server-sent events).
import { countOpen, postJSON, setCount } from "./api.js";
import { renderMath } from "./math.js";
import { message, panel } from "./panels.js";

const streams = new Map(); // card id → EventSource, so a second click never opens two

export async function showFaq(card, lang) {
  const id = card.dataset.id;
  const el = panel(card, "faq", "FAQ");
  countOpen(id, "faq").then((r) => r.ok && setCount(card, ".act-faq", r.body.counters.faq_opens));
  await requestFaq(card, el, id, lang);
}

async function requestFaq(card, el, id, lang) {
  message(el, "Asking for the FAQ…");
  const q = `lang=${encodeURIComponent(lang)}`;
  const base = `/api/papers/${encodeURIComponent(id)}/faq`;
  let res;
  try {
    res = await postJSON(`${base}?${q}`);
  } catch {
    return failed(card, el, id, lang, "Cannot reach the server.", true);
  }
  if (res.status === 503) return failed(card, el, id, lang, "FAQ service unavailable", true);
  if (!res.ok) return failed(card, el, id, lang, res.message || `FAQ request failed (${res.status})`, res.status === 429);
  const status = res.body?.status;
  if (status === "unconfigured") return message(el, res.body.message || "No LLM is configured.", "note unconfigured");
  stream(card, el, id, lang, `${base}/stream?${q}`);
}

function stream(card, el, id, lang, url) {
  streams.get(id)?.close();
  const state = message(el, "Queued…", "faq-status");
  const text = document.createElement("div");
  text.className = "faq-text";
  el.append(text);
  const es = new EventSource(url);
  streams.set(id, es);
  let first = true;
  es.addEventListener("status", (e) => {
    const d = JSON.parse(e.data);
    state.textContent = d.status === "pending" && d.position != null
      ? `Queued, position ${d.position}` : d.status === "running" ? "Reading the paper…" : d.status;
  });
  es.addEventListener("text", (e) => {
    const d = JSON.parse(e.data);
    // The first event carries everything written so far, later ones are deltas; "replace"
    // (a retried attempt) starts the text over.
    text.textContent = first || d.replace ? d.text : text.textContent + d.text;
    first = false;
  });
  es.addEventListener("done", (e) => {
    es.close();
    streams.delete(id);
    const d = JSON.parse(e.data);
    state.textContent = d.model ? `Answered by ${d.model}` : "";
    // The one place HTML from the server is inserted: the FAQ API sanitizes it.
    text.innerHTML = d.html || "";
    renderMath(text);
  });
  es.addEventListener("error", (e) => {
    es.close();
    streams.delete(id);
    let d = null;
    try { d = e.data ? JSON.parse(e.data) : null; } catch { /* a connection error has no data */ }
    const retry = d ? d.retryable || d.status === "failed" : true;
    failed(card, el, id, lang, d?.message || "The connection to the FAQ stream was lost.", retry, true);
  });
}

function failed(card, el, id, lang, text, retryable, keep = false) {
  const p = document.createElement("p");
  p.className = "note error";
  p.textContent = text;
  if (keep) el.append(p); else el.replaceChildren(p);
  if (retryable) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "faq-retry";
    b.textContent = "Retry";
    b.addEventListener("click", () => requestFaq(card, el, id, lang));
    p.append(" ", b);
  }
}
