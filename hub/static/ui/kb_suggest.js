// Knowledge base suggestions on the "Yeni talep" form: as the agent types the call,
// matching entries are fetched (debounced) and shown with an "İlk temasta çözüldü" button
// that submits the form with the entry used (name="ilk_temas").
const box = document.getElementById("bilgi-onerileri");
const text = document.getElementById("metin");
const DELAY_MS = 300;
let timer = null;
let asked = "";
let ctrl = null;

function entry(item) {
  const li = document.createElement("li");
  li.className = "kb-item";
  const head = document.createElement("div");
  const title = document.createElement("strong");
  title.textContent = item.title;
  head.append(title);
  if (item.topic) {
    const topic = document.createElement("span");
    topic.className = "muted small";
    topic.textContent = " · " + item.topic;
    head.append(topic);
  }
  const body = document.createElement("p");
  body.className = "kb-body small";
  body.textContent = item.body;
  const button = document.createElement("button");
  button.type = "submit";
  button.name = "ilk_temas";
  button.value = String(item.id);
  button.className = "fcr";
  button.textContent = "İlk temasta çözüldü";
  button.title = "Çağrıyı bu cevapla kaydet ve kapat";
  li.append(head, body, button);
  return li;
}

function show(items) {
  box.replaceChildren();
  if (!items.length) {
    box.hidden = true;
    return;
  }
  const h = document.createElement("h3");
  h.textContent = "Bilgi bankasından öneriler";
  const list = document.createElement("ul");
  list.className = "kb-list";
  for (const item of items) list.append(entry(item));
  box.append(h, list);
  box.hidden = false;
}

async function ask() {
  const q = text.value.trim();
  if (q === asked) return;
  asked = q;
  if (q.length < 3) {
    show([]);
    return;
  }
  if (ctrl) ctrl.abort();
  ctrl = new AbortController();
  try {
    const resp = await fetch(box.dataset.url + "?q=" + encodeURIComponent(q), {
      credentials: "same-origin", signal: ctrl.signal, headers: { Accept: "application/json" },
    });
    if (!resp.ok) return;
    const data = await resp.json();
    if (q === asked) show(data.items || []);
  } catch (err) {
    if (err.name !== "AbortError") show([]);
  }
}

if (box && text) {
  text.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(ask, DELAY_MS);
  });
  if (text.value.trim()) ask(); // a form shown again after an error
}
