// Home page: the reader's own category set (tri-state per category), a day picker for
// history, and preference keywords for the ❤ sort. All kept in this browser.
import { keywords, readerCats } from "./store.js";

const NEXT = { "": "include", include: "exclude", exclude: "" };
const LABEL = { "": "not in my set", include: "included", exclude: "excluded" };
const MARK = { "": "○", include: "+", exclude: "−" };

function paint() {
  const cats = readerCats.all();
  for (const btn of document.querySelectorAll("button.tri")) {
    const state = cats[btn.dataset.cat] || "";
    btn.textContent = MARK[state];
    btn.dataset.state = state;
    btn.setAttribute("aria-label", `${btn.dataset.cat}: ${LABEL[state]} (click to change)`);
  }
  const mine = document.getElementById("my-cats");
  const list = mine.querySelector(".my-list");
  list.replaceChildren(...Object.keys(cats).sort().map((code) => {
    const li = document.createElement("li");
    li.textContent = `${cats[code] === "include" ? "+" : "−"} ${code}`;
    li.className = cats[code];
    return li;
  }));
  const expr = readerCats.expression();
  const link = mine.querySelector(".my-link");
  link.hidden = !expr;
  link.href = expr ? `/arxiv/${expr}` : "#";
  link.textContent = expr ? `Open ${expr}` : "";
  mine.querySelector(".my-empty").hidden = Boolean(Object.keys(cats).length);
  const input = document.querySelector("#history-form input[name=cats]");
  if (input && !input.dataset.touched) input.value = expr;
}

document.addEventListener("click", (e) => {
  const btn = e.target.closest("button.tri");
  if (!btn) return;
  readerCats.set(btn.dataset.cat, NEXT[btn.dataset.state || ""]);
  paint();
});

const form = document.getElementById("history-form");
form.cats.addEventListener("input", () => { form.cats.dataset.touched = "1"; });
form.addEventListener("submit", (e) => {
  e.preventDefault();
  const cats = form.cats.value.trim().replace(/\s+/g, "+");
  if (!cats) {
    form.querySelector(".form-note").textContent = "Choose categories first (or type e.g. cs.AI+cs.LG).";
    return;
  }
  const date = form.date.value;
  location.href = `/arxiv/${cats}${date ? `?date=${date}` : ""}`;
});

const kw = document.getElementById("pref-keywords");
kw.value = keywords.get();
kw.addEventListener("input", () => keywords.set(kw.value));
paint();
