// The bottom bar: home, in-page search, starred list with Export, settings, top/bottom.
import { markStars } from "./cards.js";
import { initLibrary } from "./library.js";
import { language, stars } from "./store.js";

function togglePanel(btn, force) {
  const el = document.getElementById(btn.getAttribute("aria-controls"));
  const open = force ?? el.hidden;
  for (const other of document.querySelectorAll(".bottom-bar [aria-controls]")) {
    if (other !== btn) {
      other.setAttribute("aria-expanded", "false");
      document.getElementById(other.getAttribute("aria-controls")).hidden = true;
    }
  }
  el.hidden = !open;
  btn.setAttribute("aria-expanded", String(open));
  return el;
}

export function renderStars() {
  const list = document.querySelector(".stars-list");
  if (!list) return;
  const all = stars.all();
  document.querySelector(".star-count").textContent = String(all.length);
  list.replaceChildren(...all.map((s) => {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = `/arxiv/${encodeURIComponent(s.id)}`;
    a.textContent = s.title || s.id;
    const b = document.createElement("button");
    b.type = "button";
    b.className = "unstar";
    b.textContent = "remove";
    b.setAttribute("aria-label", `remove ${s.id} from starred`);
    b.addEventListener("click", () => {
      stars.remove(s.id);
      renderStars();
      markStars();
    });
    li.append(a, " ", b);
    return li;
  }));
  const exp = document.querySelector(".stars-export");
  // Only the ids travel: the list opens the same papers on any device.
  exp.href = all.length ? `/arxiv/${all.map((s) => s.id).join(",")}` : "#";
  exp.toggleAttribute("aria-disabled", !all.length);
}

export function initBar(cfg) {
  const bar = document.querySelector(".bottom-bar");
  if (!bar) return;
  const search = bar.querySelector(".bar-search");
  search.addEventListener("click", () => {
    const el = togglePanel(search);
    if (!el.hidden) el.querySelector("input").focus();
  });
  bar.querySelector(".bar-stars").addEventListener("click", (e) => togglePanel(e.currentTarget));
  bar.querySelector(".bar-settings").addEventListener("click", (e) => togglePanel(e.currentTarget));
  bar.querySelector(".bar-top").addEventListener("click", () => window.scrollTo({ top: 0 }));
  bar.querySelector(".bar-bottom").addEventListener("click", () => window.scrollTo({ top: document.body.scrollHeight }));
  document.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "f") {
      e.preventDefault();
      togglePanel(search, true).querySelector("input").focus();
    }
  });
  const select = document.querySelector("#settings-panel select[name=lang]");
  if (select) {
    select.value = language.get(cfg.languages || [...select.options].map((o) => o.value));
    select.addEventListener("change", () => language.set(select.value));
  }
  document.addEventListener("cp:stars", renderStars);
  renderStars();
  initLibrary();
}
