// In-page search: keywords highlighted in titles, authors and abstracts; include and exclude
// lists, OR / AND, and "only matches" to hide the rest. Works on every loaded card.
import { splitTerms } from "./store.js";

const FIELDS = ".title-text, .authors, .abstract";
let form;

function clearMarks(card) {
  for (const m of card.querySelectorAll("mark.hit")) {
    const parent = m.parentNode;
    m.replaceWith(document.createTextNode(m.textContent));
    parent.normalize();
  }
}

function highlight(card, words) {
  if (!words.length) return;
  const pattern = new RegExp(words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "gi");
  for (const field of card.querySelectorAll(FIELDS)) {
    const walker = document.createTreeWalker(field, NodeFilter.SHOW_TEXT, {
      acceptNode: (n) => (n.parentElement.closest(".katex, button") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
    });
    const nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    for (const node of nodes) {
      const text = node.nodeValue;
      pattern.lastIndex = 0;
      if (!pattern.test(text)) continue;
      pattern.lastIndex = 0;
      const frag = document.createDocumentFragment();
      let last = 0;
      for (const m of text.matchAll(pattern)) {
        frag.append(text.slice(last, m.index));
        const mark = document.createElement("mark");
        mark.className = "hit";
        mark.textContent = m[0];
        frag.append(mark);
        last = m.index + m[0].length;
      }
      frag.append(text.slice(last));
      node.replaceWith(frag);
    }
  }
}

function cardText(card) {
  if (!card._text) {
    card._text = [...card.querySelectorAll(FIELDS)].map((f) => f.textContent).join(" ").toLowerCase();
  }
  return card._text;
}

export function applySearch(cards = document.querySelectorAll(".papers > .paper")) {
  if (!form) return;
  const inc = splitTerms(form.include.value);
  const exc = splitTerms(form.exclude.value);
  const and = form.mode.value === "and";
  const only = form.only.checked;
  let matches = 0;
  let total = 0;
  for (const card of cards) {
    total += 1;
    const text = cardText(card);
    const hasInc = inc.length === 0 || (and ? inc.every((w) => text.includes(w)) : inc.some((w) => text.includes(w)));
    const match = hasInc && !exc.some((w) => text.includes(w));
    if (match) matches += 1;
    card.classList.toggle("match", match && inc.length > 0);
    card.hidden = only && !match;
    clearMarks(card);
    if (match) highlight(card, inc);
  }
  const active = inc.length || exc.length;
  form.querySelector(".search-result").textContent = active ? `${matches} of ${total} papers match` : "";
}

export function initSearch() {
  form = document.querySelector("#search-panel .search-form"); // not the search page's own form
  if (!form) return;
  form.addEventListener("submit", (e) => e.preventDefault()); // filters as you type; Enter sends nothing
  let timer = 0;
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => applySearch(), 120);
  });
}
