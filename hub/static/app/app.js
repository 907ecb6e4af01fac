/* The phone app's page script: registers the service worker, queues the forms' actions in
   the outbox (outbox.js) and sends them when the network is there, shows the connection
   state and the time of the page's last update, and manages this phone's push subscription. */
import { forgetPush, setUpPush } from "./push.js";
import { shrinkPhoto } from "./photo.js";

const APP = document.body.dataset.app || "/ui/uygulama";
const outbox = window.TalepOutbox;
const net = document.getElementById("ag");
const queueBox = document.getElementById("sira");
const fresh = document.getElementById("guncelleme");

function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function showNetwork() {
  if (navigator.onLine) {
    net.hidden = true;
    net.textContent = "";
    return;
  }
  net.hidden = false;
  const when = fresh ? fresh.textContent.replace("Son güncelleme: ", "") : "";
  net.textContent = "Çevrimdışı: gösterilen bilgiler " + (when ? when + " tarihli" : "kayıtlı") +
    " son güncellemeden. İşlemleriniz sıraya alınır.";
}

async function showQueue(message) {
  const waiting = await outbox.all();
  const failed = (await outbox.getMeta("failed")) || [];
  const lines = [];
  if (message) lines.push(message);
  if (waiting.length) lines.push(waiting.length + " işlem gönderilmeyi bekliyor.");
  for (const f of failed) lines.push("Gönderilemedi (" + (f.label || "işlem") + "): " + f.hata);
  queueBox.replaceChildren(...lines.map((text) => {
    const p = document.createElement("p");
    p.textContent = text;
    return p;
  }));
  queueBox.hidden = lines.length === 0;
  queueBox.dataset.bekleyen = String(waiting.length);
}

let sending = null;
async function send() {
  if (sending) return sending;
  sending = (async () => {
    const result = await outbox.flush();
    let message = "";
    if (result.sent) message = result.sent + " işlem gönderildi.";
    if (result.stopped === "oturum") message = "Oturumunuz kapanmış: giriş yapınca sıradaki işlemler gönderilir.";
    await showQueue(message);
    // the page shows the request as it was: reload it once what was queued has arrived
    if (result.sent && !result.stopped && document.querySelector("form.act")) location.reload();
    return result;
  })().finally(() => { sending = null; });
  return sending;
}

async function askForSync() {
  const reg = await navigator.serviceWorker?.ready;
  if (reg && reg.sync) {
    try { await reg.sync.register("talep-outbox"); } catch (err) { /* the online event covers it */ }
  }
}

async function queueForm(form) {
  const data = new FormData(form);
  const fields = {};
  let photo = null;
  let photoName = null;
  for (const [name, value] of data.entries()) {
    if (value instanceof File) {
      if (value.size) {
        photo = await shrinkPhoto(value);
        photoName = value.name || "fotograf.jpg";
      }
    } else if (name !== "anahtar") {
      fields[name] = value;
    }
  }
  if (fields.islem === "not" && !photo && !(fields.metin || "").trim()) {
    await showQueue("Not ya da fotoğraf ekleyin.");
    return;
  }
  const code = document.querySelector("h1")?.textContent || "";
  await outbox.add({
    key: newKey(), url: form.action, fields, photo, photoName, label: form.dataset.label || "",
    code, queuedAt: new Date().toISOString(),
  });
  form.reset();
  await showQueue(navigator.onLine ? "Gönderiliyor…" : "Sıraya alındı; bağlantı gelince gönderilecek.");
  await askForSync();
  if (navigator.onLine) await send();
}

function prefetchList() {
  const links = Array.from(document.querySelectorAll("a[data-talep]"), (a) => a.href);
  const worker = navigator.serviceWorker?.controller;
  if (links.length && worker && navigator.onLine) worker.postMessage({ type: "prefetch", urls: links });
}

function endPushAtSignOut() {
  // the form works without script too: the hub then removes the session's subscriptions alone
  const form = document.querySelector("form.logout");
  if (!form) return;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    form.querySelector("button").disabled = true;
    forgetPush(APP).finally(() => form.submit());
  }, { once: true });
}

async function start() {
  endPushAtSignOut();
  const csrf = document.querySelector("meta[name=csrf]")?.content;
  if (csrf) await outbox.setMeta("csrf", csrf);
  for (const form of document.querySelectorAll("form.act")) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      queueForm(form).catch((err) => showQueue("İşlem sıraya alınamadı: " + err.message));
    });
  }
  window.addEventListener("online", () => { showNetwork(); send(); });
  window.addEventListener("offline", showNetwork);
  showNetwork();
  await showQueue("");
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", (event) => {
      if ((event.data || {}).type === "outbox") showQueue(event.data.result.sent ? event.data.result.sent + " işlem gönderildi." : "");
    });
    await navigator.serviceWorker.register(APP + "/sw.js", { scope: APP + "/" });
    await navigator.serviceWorker.ready;
    prefetchList();
  }
  if (navigator.onLine) await send();
  const pushBox = document.getElementById("abonelik");
  if (pushBox) await setUpPush(pushBox, APP);
  document.body.dataset.hazir = "1"; // the browser tests wait for this
}

start().catch((err) => showQueue("Uygulama başlatılamadı: " + err.message));
