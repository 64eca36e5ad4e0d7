// Importing a reference-manager export into For you's profile: the file goes to POST /api/library,
// which reads it and answers with arXiv ids and texts; those stay in this browser (store.js).
import { library } from "./store.js";

const MAX_BYTES = 5 * 1024 * 1024;

function describe(lib) {
  if (!lib.papers.length && !lib.texts.length) return "No library imported.";
  return `${lib.source}: ${lib.papers.length} papers by arXiv id, ${lib.texts.length} by their title and abstract.`;
}

export function initLibrary() {
  const box = document.querySelector("#settings-panel .library");
  if (!box) return;
  const input = box.querySelector("input[type=file]");
  const status = box.querySelector(".library-status");
  const forget = box.querySelector(".library-forget");
  const show = () => {
    const lib = library.get();
    status.textContent = describe(lib);
    forget.hidden = !lib.papers.length && !lib.texts.length;
  };
  forget.addEventListener("click", () => { library.clear(); show(); });
  input.addEventListener("change", async () => {
    const file = input.files[0];
    input.value = "";
    if (!file) return;
    if (file.size > MAX_BYTES) {
      status.textContent = `${file.name} is ${(file.size / 1e6).toFixed(1)} MB; the limit is 5 MB. Nothing was changed.`;
      return;
    }
    status.textContent = `Reading ${file.name}…`;
    let res;
    let data = null;
    try {
      res = await fetch("/api/library", { method: "POST", body: file, headers: { Accept: "application/json" } });
      data = await res.json().catch(() => null);
    } catch {
      status.textContent = `${file.name} could not be sent; nothing was changed.`;
      return;
    }
    if (!res.ok || !data) {
      status.textContent = `${file.name}: ${data?.error?.message || `HTTP ${res.status}`}. Nothing was changed.`;
      return;
    }
    const lib = {
      papers: data.papers.map((p) => ({ id: p.arxiv_id, title: p.title })),
      texts: data.texts,
      source: `${file.name} (${data.format}, ${data.entries} entries, ${data.by_title} matched by title)`,
    };
    library.set(lib);
    show();
    document.dispatchEvent(new CustomEvent("cp:library"));
  });
  show();
}
