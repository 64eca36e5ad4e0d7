// The reader's own state, kept in this browser only (localStorage): stars, category set,
// preference keywords, FAQ language. Nothing here is sent anywhere except star counts.
const read = (key, fallback) => {
  try {
    const raw = localStorage.getItem(key);
    return raw === null ? fallback : JSON.parse(raw);
  } catch {
    return fallback;
  }
};
const write = (key, value) => {
  try { localStorage.setItem(key, JSON.stringify(value)); } catch { /* private mode: state lives for this page only */ }
};

export const stars = {
  all: () => read("cp.stars", []),
  has: (id) => stars.all().some((s) => s.id === id),
  add(id, title) {
    if (!stars.has(id)) write("cp.stars", [...stars.all(), { id, title }]);
  },
  remove: (id) => write("cp.stars", stars.all().filter((s) => s.id !== id)),
};

// {code: "include" | "exclude"}
export const readerCats = {
  all: () => read("cp.cats", {}),
  set(code, state) {
    const cats = readerCats.all();
    if (state) cats[code] = state; else delete cats[code];
    write("cp.cats", cats);
  },
  expression() {
    const cats = readerCats.all();
    const inc = Object.keys(cats).filter((c) => cats[c] === "include");
    const exc = Object.keys(cats).filter((c) => cats[c] === "exclude");
    return inc.length ? inc.join("+") + exc.map((c) => "-" + c).join("") : "";
  },
};

export const keywords = {
  get: () => read("cp.keywords", ""),
  set: (text) => write("cp.keywords", text),
  list: () => splitTerms(keywords.get()),
};

// A reference-manager export read by the server: {papers: [{id, title}], texts: [{title, abstract}],
// source: "file name, format"}. It adds to the profile For you ranks by; it is never sent elsewhere.
export const library = {
  get: () => read("cp.library", { papers: [], texts: [], source: "" }),
  set: (value) => write("cp.library", value),
  clear: () => write("cp.library", { papers: [], texts: [], source: "" }),
};

// The sync link's secret, and the profile as last agreed with the server (to tell whether this
// browser changed since: if not, the server's copy wins; if so, the two are merged).
export const sync = {
  token: () => read("cp.sync", ""),
  setToken: (token) => write("cp.sync", token),
  agreed: () => read("cp.sync.agreed", null),
  setAgreed: (profile) => write("cp.sync.agreed", profile),
  forget() { write("cp.sync", ""); write("cp.sync.agreed", null); },
};

// The listing order the reader last chose ("" until they choose one).
export const sortChoice = {
  get: () => read("cp.sort", ""),
  set: (how) => write("cp.sort", how),
};

export const language = {
  get: (choices) => {
    const saved = read("cp.lang", null);
    return choices.includes(saved) ? saved : choices[0];
  },
  set: (lang) => write("cp.lang", lang),
};

// "a, b c" → ["a", "b c"]; without commas, whitespace separates terms.
export function splitTerms(text) {
  const t = (text || "").toLowerCase().trim();
  if (!t) return [];
  return (t.includes(",") ? t.split(",") : t.split(/\s+/)).map((s) => s.trim()).filter(Boolean);
}
