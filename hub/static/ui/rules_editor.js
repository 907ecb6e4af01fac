// Rules page: line numbers beside the YAML box and "go to line" from the error list.
// Our own small module (no editor library): a gutter that scrolls with the textarea.
// Without JavaScript the page still works and the errors still name their line and column.
const area = document.getElementById("metin");

function lineHeight() {
  const h = parseFloat(getComputedStyle(area).lineHeight);
  return Number.isFinite(h) ? h : 18;
}

function errorLines() {
  return new Set((area.dataset.errorLines || "").split(",").filter(Boolean).map(Number));
}

function startGutter() {
  const wrap = document.createElement("div");
  wrap.className = "code-editor";
  const gutter = document.createElement("div");
  gutter.className = "gutter";
  gutter.id = "satir-numaralari";
  gutter.setAttribute("aria-hidden", "true");
  area.parentNode.insertBefore(wrap, area);
  wrap.append(gutter, area);
  const marked = errorLines();
  let shown = 0;
  let current = 0;

  function render() {
    const count = area.value.split("\n").length;
    if (count === shown) return;
    const frag = document.createDocumentFragment();
    for (let n = 1; n <= count; n += 1) {
      const span = document.createElement("span");
      span.textContent = String(n);
      if (marked.has(n)) span.className = "err";
      frag.append(span);
    }
    const tail = document.createElement("div");
    tail.className = "tail";
    frag.append(tail);
    gutter.replaceChildren(frag);
    shown = count;
    current = 0;
    highlight();
  }

  function highlight() {
    const line = area.value.slice(0, area.selectionStart).split("\n").length;
    if (line === current) return;
    const spans = gutter.children;
    if (current && spans[current - 1]) spans[current - 1].classList.remove("on");
    if (spans[line - 1]) spans[line - 1].classList.add("on");
    current = line;
  }

  area.addEventListener("input", render);
  area.addEventListener("scroll", () => { gutter.scrollTop = area.scrollTop; });
  for (const ev of ["keyup", "click", "select", "focus"]) area.addEventListener(ev, highlight);
  render();
  return highlight;
}

function goTo(line, column, highlight) {
  const lines = area.value.split("\n");
  const n = Math.min(Math.max(line, 1), lines.length);
  let start = 0;
  for (let i = 0; i < n - 1; i += 1) start += lines[i].length + 1;
  const end = start + lines[n - 1].length;
  area.focus({ preventScroll: true });
  area.setSelectionRange(start, end); // the whole line, so it stands out
  area.dataset.column = String(column);
  area.scrollTop = Math.max(0, (n - 1) * lineHeight() - area.clientHeight / 3);
  area.scrollIntoView({ block: "nearest" });
  highlight();
}

if (area) {
  const highlight = startGutter();
  for (const link of document.querySelectorAll("a.satira-git")) {
    link.addEventListener("click", (ev) => {
      ev.preventDefault();
      goTo(Number(link.dataset.line), Number(link.dataset.column || 1), highlight);
    });
  }
  const tried = document.getElementById("denenen-metin");
  const warning = document.getElementById("metin-degisti-uyarisi");
  if (tried && warning) {
    const check = () => { warning.hidden = area.value === tried.value; };
    area.addEventListener("input", check);
    check();
  }
  area.dataset.satirlar = "hazir"; // tests wait for this
}
