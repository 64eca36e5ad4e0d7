// Math in titles, abstracts ($…$, $$…$$) and the FAQ's math elements, with the vendored KaTeX.
// KaTeX builds its own DOM from the TeX source and does not interpret HTML in it.
const DELIMITERS = [
  { left: "$$", right: "$$", display: true },
  { left: "$", right: "$", display: false },
];

export function renderMath(root) {
  const { katex, renderMathInElement } = window;
  if (!katex || !renderMathInElement) return;
  for (const el of root.querySelectorAll(".math-text:not([data-math])")) {
    el.dataset.math = "1";
    if (el.textContent.includes("$")) renderMathInElement(el, { delimiters: DELIMITERS, throwOnError: false });
  }
  for (const el of root.querySelectorAll("span.math.inline, div.math.block")) {
    katex.render(el.textContent, el, { displayMode: el.classList.contains("block"), throwOnError: false });
  }
}
