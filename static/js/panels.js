// Panels opened inside a card (PDF, FAQ, related): one per kind, collapsed together.
export function panel(card, kind, label) {
  let el = card.querySelector(`.panel-${kind}`);
  if (!el) {
    el = document.createElement("section");
    el.className = `panel panel-${kind}`;
    el.setAttribute("aria-label", label);
    card.querySelector(".panels").append(el);
    queueMicrotask(() => syncCollapse(card));
  }
  return el;
}

// Open or close one panel; returns true when it is now open.
export function toggle(card, kind, button) {
  const el = card.querySelector(`.panel-${kind}`);
  const open = !el || el.hidden;
  if (el) el.hidden = !open;
  button.setAttribute("aria-expanded", String(open));
  syncCollapse(card);
  return open;
}

export function syncCollapse(card) {
  const anyOpen = [...card.querySelectorAll(".panel")].some((p) => !p.hidden);
  card.querySelector(".act-collapse").hidden = !anyOpen;
}

export function collapseAll(card) {
  for (const p of card.querySelectorAll(".panel")) p.hidden = true;
  for (const b of card.querySelectorAll(".actions [aria-expanded]")) b.setAttribute("aria-expanded", "false");
  syncCollapse(card);
}

export function message(el, text, className = "note") {
  const p = document.createElement("p");
  p.className = className;
  p.textContent = text;
  el.replaceChildren(p);
  return p;
}
