// For you: the day ordered by the server (POST /api/arxiv/{cats}) by similarity to the papers this
// reader starred or opened (the starred list, kept in this browser) and their ❤ keywords; each card
// then says which liked paper it is close to. Only ids and keywords are sent, never stored.
import { keywords, library, stars } from "./store.js";

export const MIN_PROFILE = 5; // from this many papers on, For you is a listing's default order
const MAX_LIKED = 200;
const PAGE = 500;

export function profileSize() {
  const lib = library.get();
  return stars.all().length + lib.papers.length + lib.texts.length;
}

// Stars first (the most recent ones), then the imported library, MAX_LIKED ids in all.
function likedIds() {
  const ids = stars.all().slice(-MAX_LIKED).map((s) => s.id);
  for (const p of library.get().papers) {
    if (ids.length >= MAX_LIKED) break;
    if (!ids.includes(p.id)) ids.push(p.id);
  }
  return ids;
}

async function getJson(url, init) {
  const res = await fetch(url, init);
  const data = await res.json().catch(() => null);
  if (!res.ok || !data) throw new Error(data?.error?.message || `HTTP ${res.status}`);
  return data;
}

// Every page of an answer in the server's order (`fetchPage(n)` gets page n): each paper's rank and
// the liked paper it is close to, and the server's hint if it fell back to its own order.
async function collectOrder(fetchPage) {
  const order = new Map();
  const because = new Map();
  let hint = null;
  for (let page = 1; ; page += 1) {
    const data = await fetchPage(page);
    for (const p of data.papers) {
      order.set(p.arxiv_id, order.size);
      if (p.because) because.set(p.arxiv_id, p.because);
    }
    hint = hint || data.hint || null;
    if (page * data.size >= data.total || !data.papers.length) return { order, because, hint };
  }
}

// The whole day in the server's order: POST (For you, the profile in `body`) or GET (`params`).
function serverOrder(cfg, { body = null, params = {} } = {}) {
  const init = body === null ? { headers: { Accept: "application/json" } }
    : { method: "POST", body, headers: { "Content-Type": "application/json", Accept: "application/json" } };
  return collectOrder((page) => {
    const query = new URLSearchParams({ date: cfg.date, size: String(PAGE), page: String(page), ...params });
    if (cfg.showAll) query.set("show", "all");
    return getJson(`/api/arxiv/${cfg.expr}?${query}`, init);
  });
}

function ranked(cfg) {
  const texts = library.get().texts.slice(0, 100);
  return serverOrder(cfg, { body: JSON.stringify({ liked: likedIds(), keywords: keywords.list(), texts }) });
}

const byRank = (result) => (a, b) =>
  (result.order.get(a.dataset.id) ?? Number.MAX_SAFE_INTEGER) - (result.order.get(b.dataset.id) ?? Number.MAX_SAFE_INTEGER)
  || a.dataset.index - b.dataset.index;

// The ❤ sort: BM25 of the reader's keywords (a keyword of several words is a phrase), by the server.
export async function sortByKeywords(cfg, cards, note) {
  note.hidden = true;
  const words = keywords.list();
  if (!words.length) {
    note.textContent = "The ❤ sort needs preference keywords: set them on the home page.";
    note.hidden = false;
    return cards;
  }
  try {
    return cards.sort(byRank(await serverOrder(cfg, { params: { sort: "keywords", keywords: words.join(",") } })));
  } catch (err) {
    note.textContent = `The ❤ sort is unavailable right now (${err.message}).`;
    note.hidden = false;
    return cards;
  }
}

function why(card, likedId, titles) {
  const p = document.createElement("p");
  p.className = "why";
  const a = document.createElement("a");
  a.href = `/arxiv/${encodeURIComponent(likedId)}`;
  a.textContent = titles.get(likedId) || likedId;
  p.append("close to: ", a);
  card.querySelector(".paper-title").after(p);
}

// Reorders `cards` in place; a note says why nothing moved (no profile) or what failed.
export async function sortForYou(cfg, cards, note) {
  note.hidden = true;
  if (!profileSize() && !keywords.list().length) {
    note.textContent = "For you needs papers you liked: star or open a few, import your library or set ❤ keywords (Settings).";
    note.hidden = false;
    return cards;
  }
  let result;
  try {
    result = await ranked(cfg);
  } catch (err) {
    note.textContent = `For you is unavailable right now (${err.message}); showing arXiv order.`;
    note.hidden = false;
    return cards.sort((a, b) => a.dataset.index - b.dataset.index);
  }
  if (result.hint) {
    note.textContent = result.hint;
    note.hidden = false;
  }
  const titles = new Map([...library.get().papers, ...stars.all()].map((s) => [s.id, s.title]));
  for (const card of cards) {
    const liked = result.because.get(card.dataset.id);
    if (liked && liked !== card.dataset.id) why(card, liked, titles);
  }
  return cards.sort(byRank(result));
}

// Search results For you: the page holds the most relevant matches; the server orders them by the
// starred papers (GET /api/search?sort=foryou), and each card says which one it is close to.
export async function sortSearchForYou(cfg, papersEl, note) {
  const liked = likedIds();
  const cards = [...papersEl.querySelectorAll(":scope > .paper")];
  if (!liked.length) {
    note.textContent = "For you needs papers you liked: star or open a few, or import your library (Settings).";
    note.hidden = false;
    return;
  }
  let result;
  try {
    result = await collectOrder((page) => {
      const params = new URLSearchParams({ q: cfg.query, sort: "foryou", size: "100", page: String(page),
                                           liked: liked.join(",") });
      return getJson(`/api/search?${params}`, { headers: { Accept: "application/json" } });
    });
    if (result.hint) { note.textContent = result.hint; note.hidden = false; }
  } catch (err) {
    note.textContent = `For you is unavailable right now (${err.message}); showing relevance order.`;
    note.hidden = false;
    return;
  }
  const titles = new Map([...library.get().papers, ...stars.all()].map((s) => [s.id, s.title]));
  for (const card of cards) {
    const closest = result.because.get(card.dataset.id);
    if (closest && closest !== card.dataset.id) why(card, closest, titles);
  }
  papersEl.append(...cards.sort(byRank(result)));
  papersEl.dataset.sort = "foryou";
}
