// Small fetch helpers: JSON in, `{error: {message}}` out as a readable message.
export async function postJSON(url, method = "POST") {
  const res = await fetch(url, { method, headers: { Accept: "application/json" } });
  let body = null;
  try { body = await res.json(); } catch { /* empty or non-JSON body */ }
  return { ok: res.ok, status: res.status, body, message: body?.error?.message || body?.message || "" };
}

export function countOpen(id, kind) {
  return postJSON(`/api/papers/${encodeURIComponent(id)}/open?kind=${kind}`);
}

export function setCount(card, selector, value) {
  const cnt = card.querySelector(`${selector} .cnt`);
  if (cnt && Number.isFinite(value)) cnt.textContent = String(value);
}
