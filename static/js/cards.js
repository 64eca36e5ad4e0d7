// Buttons on paper cards, by event delegation so progressively loaded cards need no setup.
import { countOpen, postJSON, setCount } from "./api.js";
import { showFaq } from "./faq.js";
import { collapseAll, message, panel, toggle } from "./panels.js";
import { readerCats, stars } from "./store.js";

const title = (card) => card.querySelector(".title-text").textContent.trim();

export function markStars(root = document) {
  for (const card of root.querySelectorAll(".paper")) {
    const on = stars.has(card.dataset.id);
    const btn = card.querySelector(".act-star");
    btn.setAttribute("aria-pressed", String(on));
    btn.firstChild.textContent = on ? "★" : "☆";
  }
  for (const btn of root.querySelectorAll(".cat-inc, .cat-exc")) {
    const want = btn.classList.contains("cat-inc") ? "include" : "exclude";
    btn.setAttribute("aria-pressed", String(readerCats.all()[btn.dataset.cat] === want));
  }
}

// Opening a PDF or FAQ puts the paper on the starred list (papers.cool's habit).
function remember(card) {
  if (!stars.has(card.dataset.id)) {
    stars.add(card.dataset.id, title(card));
    markStars(card.parentElement || document);
    document.dispatchEvent(new CustomEvent("cp:stars"));
  }
}

function openPdf(card, btn, cfg) {
  if (!toggle(card, "pdf", btn) || card.querySelector(".panel-pdf iframe")) return;
  const url = `${cfg.pdfUrl}/${card.dataset.id}`;
  const el = panel(card, "pdf", "PDF");
  const link = document.createElement("a");
  link.href = url;
  link.textContent = "Open the PDF on arXiv";
  link.target = "_blank";
  link.rel = "noopener";
  const frame = document.createElement("iframe");
  frame.src = url;
  frame.title = `PDF of ${card.dataset.id}`;
  frame.loading = "lazy";
  el.replaceChildren(link, frame);
  remember(card);
  countOpen(card.dataset.id, "pdf").then((r) => r.ok && setCount(card, ".act-pdf", r.body.counters.pdf_opens));
}

async function copy(card, btn) {
  const authors = [...card.querySelectorAll(".author")].map((a) => a.textContent).join(", ");
  const text = `${title(card)}\n${authors}\nhttps://arxiv.org/abs/${card.dataset.id}`;
  try {
    await navigator.clipboard.writeText(text); // touches neither the selection nor the focus
    btn.textContent = "Copied";
  } catch {
    btn.textContent = "Copy failed";
  }
  setTimeout(() => { btn.textContent = "Copy"; }, 1500);
}

async function related(card, btn) {
  if (!toggle(card, "rel", btn) || card.querySelector(".panel-rel ol")) return;
  const el = panel(card, "rel", "related papers");
  message(el, "Looking for related papers…");
  let papers = [];
  try {
    const res = await fetch(`/api/papers/${encodeURIComponent(card.dataset.id)}/related`);
    if (res.ok) papers = (await res.json()).papers || [];
  } catch { /* shown as none found */ }
  if (!papers.length) return message(el, "No related papers found.");
  const ol = document.createElement("ol");
  for (const p of papers) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = `/arxiv/${encodeURIComponent(p.arxiv_id)}`;
    a.textContent = p.title;
    li.append(a, ` — ${(p.authors || []).slice(0, 3).join(", ")}`);
    ol.append(li);
  }
  el.replaceChildren(ol);
}

async function toggleStar(card) {
  const id = card.dataset.id;
  const on = !stars.has(id);
  if (on) stars.add(id, title(card)); else stars.remove(id);
  markStars(card.parentElement || document);
  document.dispatchEvent(new CustomEvent("cp:stars"));
  const res = await postJSON(`/api/papers/${encodeURIComponent(id)}/star`, on ? "POST" : "DELETE");
  if (res.ok) setCount(card, ".act-star", res.body.counters.stars);
}

function toggleCat(btn) {
  const want = btn.classList.contains("cat-inc") ? "include" : "exclude";
  const code = btn.dataset.cat;
  readerCats.set(code, readerCats.all()[code] === want ? null : want);
  markStars();
}

export function initCards(cfg, lang) {
  document.addEventListener("click", (e) => {
    const btn = e.target.closest("button");
    const card = btn?.closest(".paper");
    if (!btn) return;
    if (btn.matches(".cat-inc, .cat-exc")) return toggleCat(btn);
    if (!card) return;
    if (btn.matches(".et-al")) {
      card.querySelector(".more-authors").hidden = false;
      btn.setAttribute("aria-expanded", "true");
      btn.hidden = true;
    } else if (btn.matches(".act-pdf")) openPdf(card, btn, cfg);
    else if (btn.matches(".act-faq")) {
      if (toggle(card, "faq", btn)) {
        remember(card);
        showFaq(card, lang());
      }
    } else if (btn.matches(".act-copy")) copy(card, btn);
    else if (btn.matches(".act-rel")) related(card, btn);
    else if (btn.matches(".act-star")) toggleStar(card);
    else if (btn.matches(".act-collapse")) collapseAll(card);
  });
  markStars();
}
