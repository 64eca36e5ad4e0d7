// Entry point for listing and paper pages.
import { initBar } from "./bar.js";
import { initCards, markStars } from "./cards.js";
import { loadRest, sortCards } from "./listing.js";
import { awaitLookups } from "./lookup.js";
import { renderMath } from "./math.js";
import { applySearch, initSearch } from "./search.js";
import { MIN_PROFILE, profileSize, sortSearchForYou } from "./foryou.js";
import { language, sortChoice, stars } from "./store.js";
import { initSync } from "./sync.js";

const cfgEl = document.getElementById("page-config");
const cfg = cfgEl ? JSON.parse(cfgEl.textContent) : {};
const languages = [...document.querySelectorAll("#settings-panel select[name=lang] option")].map((o) => o.value);
cfg.languages = languages.length ? languages : ["en"];

const papersEl = document.getElementById("papers");
renderMath(document);
initCards(cfg, () => language.get(cfg.languages));
initBar(cfg);
initSync();
initSearch();
awaitLookups();

const sort = document.getElementById("sort-select");
if (sort) {
  sort.addEventListener("change", () => {
    sortChoice.set(sort.value); // the reader's choice holds on every listing, For you or not
    sortCards(papersEl, sort.value, cfg);
  });
}

if (papersEl && cfg.total > Number(papersEl.dataset.loaded)) {
  loadRest(cfg, papersEl, (cards) => {
    markStars(papersEl);
    applySearch();
  });
} else if (papersEl) {
  papersEl.dataset.complete = "1";
}

// The reader's last chosen order, or For you once they have liked enough papers; sortCards
// waits for the rest of the day (loadRest above) before it sorts.
const initial = sortChoice.get() || (profileSize() >= MIN_PROFILE ? "foryou" : "");
if (sort && papersEl && initial && initial !== "arxiv" && [...sort.options].some((o) => o.value === initial)) {
  sort.value = initial;
  sortCards(papersEl, initial, cfg);
}

if (cfg.foryou && papersEl) sortSearchForYou(cfg, papersEl, document.getElementById("sort-note"));

// Search page: "More like my stars" asks for the starred papers' neighbours (the 30 most recent stars).
const moreLike = document.querySelector("button.more-like");
if (moreLike && stars.all().length) {
  moreLike.hidden = false;
  moreLike.addEventListener("click", () => {
    const ids = stars.all().slice(-30).map((s) => s.id);
    location.assign(`/arxiv/search?like=${encodeURIComponent(ids.join(","))}`);
  });
}
