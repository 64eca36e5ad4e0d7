// Long days: the first cards come with the page, the rest are fetched as server-rendered
// fragments (escaped by the same templates) and appended; sorting works on the whole day.
import { sortByKeywords, sortForYou } from "./foryou.js";
import { renderMath } from "./math.js";

let complete = null;

export function loadRest(cfg, papersEl, onCards) {
  const loading = document.getElementById("loading");
  complete = (async () => {
    let loaded = Number(papersEl.dataset.loaded);
    while (loaded < cfg.total) {
      const params = new URLSearchParams({ date: cfg.date, offset: String(loaded) });
      if (cfg.showAll) params.set("show", "all");
      let html;
      try {
        const res = await fetch(`${location.pathname}?${params}`);
        if (!res.ok) throw new Error(String(res.status));
        html = await res.text();
      } catch {
        loading.textContent = "Could not load the rest of the day; reload the page to try again.";
        return;
      }
      // DOMParser never runs scripts; the fragment is autoescaped server output.
      const doc = new DOMParser().parseFromString(html, "text/html");
      const cards = [...doc.body.querySelectorAll(":scope > article.paper")].map((c) => document.adoptNode(c));
      if (!cards.length) break;
      papersEl.append(...cards);
      loaded += cards.length;
      papersEl.dataset.loaded = String(loaded);
      for (const c of cards) renderMath(c);
      onCards(cards);
    }
    loading.hidden = true;
    papersEl.dataset.complete = "1";
  })();
  return complete;
}

const SORTS = {
  arxiv: () => (a, b) => a.dataset.index - b.dataset.index,
  published: () => (a, b) => (b.dataset.published > a.dataset.published ? 1 : -1),
  popular: () => (a, b) => b.dataset.pop - a.dataset.pop || a.dataset.index - b.dataset.index,
};

export async function sortCards(papersEl, how, cfg) {
  if (complete) await complete;
  let cards = [...papersEl.querySelectorAll(":scope > .paper")];
  for (const el of papersEl.querySelectorAll(".paper > .why")) el.remove();
  const note = document.getElementById("sort-note");
  if (how === "foryou") {
    cards = await sortForYou(cfg, cards, note);
  } else if (how === "keywords") {
    cards = await sortByKeywords(cfg, cards, note);
  } else {
    note.hidden = true;
    cards.sort((SORTS[how] || SORTS.arxiv)());
  }
  papersEl.append(...cards);
  papersEl.dataset.sort = how;
}
