// Entry point for listing and paper pages.
import { initBar } from "./bar.js";
import { initCards, markStars } from "./cards.js";
import { loadRest, sortCards } from "./listing.js";
import { awaitLookups } from "./lookup.js";
import { renderMath } from "./math.js";
import { applySearch, initSearch } from "./search.js";
import { language } from "./store.js";

const cfgEl = document.getElementById("page-config");
const cfg = cfgEl ? JSON.parse(cfgEl.textContent) : {};
const languages = [...document.querySelectorAll("#settings-panel select[name=lang] option")].map((o) => o.value);
cfg.languages = languages.length ? languages : ["en"];

const papersEl = document.getElementById("papers");
renderMath(document);
initCards(cfg, () => language.get(cfg.languages));
initBar(cfg);
initSearch();
awaitLookups();

const sort = document.getElementById("sort-select");
if (sort) sort.addEventListener("change", () => sortCards(papersEl, sort.value));

if (papersEl && cfg.total > Number(papersEl.dataset.loaded)) {
  loadRest(cfg, papersEl, (cards) => {
    markStars(papersEl);
    applySearch();
  });
} else if (papersEl) {
  papersEl.dataset.complete = "1";
}
