// Canned replies in the reply box: typing "/" (at the start or after a space) lists the
// request's canned replies, already filled in by the server ({ad}, {takip_kodu}, {birim},
// {mahalle}); typing more narrows the list, ↑/↓ move, Enter or Tab inserts, Escape closes.
const box = document.querySelector("textarea[data-canned]");
const list = document.getElementById("hazir-liste");
let replies = null;
let shown = [];
let active = 0;

function fold(s) {
  return s.replace(/I/g, "ı").replace(/İ/g, "i").toLowerCase()
    .replace(/ç/g, "c").replace(/ğ/g, "g").replace(/ı/g, "i").replace(/ö/g, "o").replace(/ş/g, "s").replace(/ü/g, "u");
}

// the "/word" just before the caret, or null
function slashToken() {
  const upto = box.value.slice(0, box.selectionStart);
  const m = /(^|\s)\/([^\s/]*)$/.exec(upto);
  return m ? { start: upto.length - m[2].length - 1, word: m[2] } : null;
}

async function load() {
  if (replies !== null) return replies;
  const resp = await fetch(box.dataset.canned, { credentials: "same-origin", headers: { Accept: "application/json" } });
  replies = resp.ok ? (await resp.json()).items || [] : [];
  return replies;
}

function close() {
  list.hidden = true;
  list.replaceChildren();
  shown = [];
}

function render() {
  list.replaceChildren();
  shown.forEach((r, i) => {
    const li = document.createElement("li");
    li.role = "option";
    li.id = "hazir-" + r.id;
    li.className = "canned-item" + (i === active ? " active" : "");
    li.setAttribute("aria-selected", i === active ? "true" : "false");
    const key = document.createElement("code");
    key.textContent = "/" + r.shortcut;
    const title = document.createElement("strong");
    title.textContent = " " + r.title;
    const text = document.createElement("div");
    text.className = "small muted";
    text.textContent = r.text;
    li.append(key, title, text);
    li.addEventListener("mousedown", (ev) => { ev.preventDefault(); insert(r); });
    list.append(li);
  });
  list.hidden = shown.length === 0;
}

function insert(reply) {
  const tok = slashToken();
  if (!tok) return close();
  const end = box.selectionStart;
  box.value = box.value.slice(0, tok.start) + reply.text + box.value.slice(end);
  const caret = tok.start + reply.text.length;
  box.setSelectionRange(caret, caret);
  close();
  box.focus();
}

async function update() {
  const tok = slashToken();
  if (!tok) return close();
  const all = await load();
  const w = fold(tok.word);
  shown = all.filter((r) => fold(r.shortcut).startsWith(w) || fold(r.title).includes(w));
  active = 0;
  render();
}

if (box && list) {
  box.addEventListener("input", update);
  box.addEventListener("keydown", (ev) => {
    if (list.hidden || !shown.length) return;
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      active = (active + (ev.key === "ArrowDown" ? 1 : shown.length - 1)) % shown.length;
      render();
    } else if (ev.key === "Enter" || ev.key === "Tab") {
      insert(shown[active]);
    } else if (ev.key === "Escape") {
      close();
    } else {
      return;
    }
    ev.preventDefault();
    ev.stopPropagation(); // the page's own shortcuts must not see these keys
  });
  box.addEventListener("blur", () => setTimeout(close, 150));
}
