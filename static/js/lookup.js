// Paper pages naming papers not stored yet: a worker fetches them from arXiv. Ask the API about
// each until none answers 202 any more, then reload so the page shows what arrived.
const GIVE_UP_MS = 3 * 60 * 1000;

async function settled(id) {
  const resp = await fetch(`/api/papers/${encodeURIComponent(id)}`, { headers: { Accept: "application/json" } });
  if (resp.status !== 202) return { done: true };
  const wait = Number(resp.headers.get("Retry-After")) || 2;
  return { done: false, wait: Math.min(Math.max(wait, 1), 30) * 1000 };
}

export function awaitLookups() {
  const note = document.getElementById("fetching");
  if (!note) return;
  let waiting = note.dataset.ids.split(",").filter(Boolean);
  const started = Date.now();
  const round = async () => {
    let wait = 2000;
    const still = [];
    for (const id of waiting) {
      try {
        const r = await settled(id);
        if (!r.done) {
          still.push(id);
          wait = r.wait;
        }
      } catch {
        still.push(id);  // offline for a moment: ask again next round
      }
    }
    if (still.length < waiting.length) {
      window.location.reload();
      return;
    }
    waiting = still;
    if (Date.now() - started > GIVE_UP_MS) {
      note.append(" arXiv is slow to answer right now; reload this page later.");
      return;
    }
    setTimeout(round, wait);
  };
  setTimeout(round, 1000);
}
