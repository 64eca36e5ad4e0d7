// Sync links: this browser's profile (stars, imported library, ❤ keywords) kept on the server under
// a secret token, so phone and laptop agree. On each page the server's copy is read: if this browser
// changed nothing since they last agreed, it is taken as it is (removals on another device stay
// removed); otherwise the two are merged (stars and library papers by id) and sent back.
import { markStars } from "./cards.js";
import { keywords, library, stars, sync } from "./store.js";

const snapshot = () => ({ stars: stars.all(), library: library.get(), keywords: keywords.get() });
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const api = (token) => `/api/profiles/${encodeURIComponent(token)}`;
const JSON_HEADERS = { "Content-Type": "application/json", Accept: "application/json" };

function byId(...lists) {
  const seen = new Map();
  for (const list of lists) for (const p of list || []) if (!seen.has(p.id)) seen.set(p.id, p);
  return [...seen.values()];
}

function merged(local, remote) {
  const lib = local.library.papers.length || local.library.texts.length ? local.library : remote.library;
  return {
    stars: byId(local.stars, remote.stars),
    library: { ...lib, papers: byId(local.library.papers, remote.library.papers) },
    keywords: local.keywords || remote.keywords,
  };
}

function adopt(profile) {
  localStorage.setItem("cp.stars", JSON.stringify(profile.stars));
  library.set(profile.library);
  keywords.set(profile.keywords);
  sync.setAgreed(profile);
  markStars();
  document.dispatchEvent(new CustomEvent("cp:stars"));
}

async function push(token) {
  const profile = snapshot();
  const res = await fetch(api(token), { method: "PUT", headers: JSON_HEADERS, body: JSON.stringify(profile) });
  if (res.ok) sync.setAgreed(profile);
  return res;
}

async function pull(token) {
  const res = await fetch(api(token), { headers: { Accept: "application/json" } });
  if (res.status === 404) return { gone: true };
  if (!res.ok) return { failed: true };
  const remote = await res.json();
  const local = snapshot();
  const agreed = sync.agreed();
  if (agreed === null || same(local, agreed)) {
    adopt(remote);
  } else {
    adopt(merged(local, remote));
    await push(token);
  }
  return { ok: true };
}

function settingsPanel(status) {
  const box = document.querySelector("#settings-panel .sync");
  if (!box) return () => {};
  const make = box.querySelector(".sync-make");
  const stop = box.querySelector(".sync-stop");
  const link = box.querySelector(".sync-link");
  const out = box.querySelector(".sync-status");
  const show = () => {
    const token = sync.token();
    make.hidden = Boolean(token);
    stop.hidden = link.hidden = !token;
    if (token) {
      const a = link.querySelector("a");
      a.href = `${location.origin}/sync/${token}`;
      a.textContent = a.href;
    }
    out.textContent = status();
  };
  make.addEventListener("click", async () => {
    const res = await fetch("/api/profiles", { method: "POST", headers: JSON_HEADERS, body: JSON.stringify(snapshot()) });
    const data = await res.json().catch(() => null);
    if (!res.ok || !data) { out.textContent = data?.error?.message || `Could not make a link (HTTP ${res.status}).`; return; }
    sync.setToken(data.token);
    sync.setAgreed(snapshot());
    show();
  });
  stop.addEventListener("click", async () => {
    await fetch(api(sync.token()), { method: "DELETE" }).catch(() => null);
    sync.forget();
    show();
    out.textContent = "The link is revoked; this browser keeps its own copy.";
  });
  return show;
}

export async function initSync() {
  const page = document.querySelector(".sync-page");
  let state = "";
  const show = settingsPanel(() => state);
  if (page && page.dataset.token && page.dataset.token !== sync.token()) {
    // Joining: what this browser already has is merged with the profile, never dropped.
    sync.setToken(page.dataset.token);
    sync.setAgreed({ joining: true });
  }
  const token = sync.token();
  if (!token) { show(); return; }
  const result = await pull(token).catch(() => ({ failed: true }));
  if (result.gone) {
    sync.forget();
    state = "The sync link was revoked; this browser keeps its own copy.";
  } else if (result.failed) {
    state = "Could not reach the sync link just now; changes are kept here.";
  } else {
    state = `Synced: ${stars.all().length} starred papers.`;
  }
  if (page) page.querySelector(".sync-status").textContent = result.gone ? "No profile behind this link: it was revoked." : state;
  show();
  let timer = null;
  const later = () => { clearTimeout(timer); timer = setTimeout(() => sync.token() && push(sync.token()), 500); };
  document.addEventListener("cp:stars", later);
  document.addEventListener("cp:library", later);
}
