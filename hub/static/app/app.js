/* The phone app's page script: registers the service worker, queues the forms' actions in
   the outbox (outbox.js) and sends them when the network is there, shows the connection
   state and the time of the page's last update, and manages this phone's push subscription.

   A phone may be shared. Each queued action names the user who queued it (the page's
   <meta name="kullanici">), and only the signed-in user's actions are sent; another user's
   found in the queue are dropped, and the page says so once. «Çıkış yap» first sends what
   waits, asks before dropping what could not be sent, and leaves nothing of the user on the
   phone: queue, saved pages (saved_pages.js), push subscription. */
import { forgetPush, setUpPush } from "./push.js";
import { shrinkPhoto } from "./photo.js";
import { forgetSavedPages } from "./saved_pages.js";

const APP = document.body.dataset.app || "/ui/uygulama";
const outbox = window.TalepOutbox;
const ME = document.querySelector("meta[name=kullanici]")?.content || ""; // none on the offline page
const CSRF = document.querySelector("meta[name=csrf]")?.content || ""; // one per session
const SEND_AT_SIGN_OUT_MS = 10000; // a sign-out never waits longer for the queue to go
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

// the page's user, or (on the offline page, which names nobody) the one the phone last had
async function currentUser() {
  return ME || (await outbox.getMeta("user")) || "";
}

// said once, and kept on this page until it is left (a later message does not replace it)
const notices = [];
function notice(text) {
  if (text) notices.push(text);
}

async function showQueue(message) {
  const waiting = await outbox.mine(await currentUser());
  const failed = (await outbox.getMeta("failed")) || [];
  const lines = [...notices];
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
    await report(result);
    // the page shows the request as it was: reload it once what was queued has arrived
    if (result.sent && !result.stopped && document.querySelector("form.act")) location.reload();
    return result;
  })().finally(() => { sending = null; });
  return sending;
}

// what a sending of the queue (this page's, or the service worker's on Background Sync) did
async function report(result) {
  if (result.sent) notice(result.sent + " işlem gönderildi."); // a later, empty sending keeps it
  if (result.discarded) notice(dropped(result.discarded));
  await showQueue(result.stopped === "oturum" ? "Oturumunuz kapanmış: giriş yapınca sıradaki işlemler gönderilir." : "");
}

async function askForSync() {
  const reg = await navigator.serviceWorker?.ready;
  if (reg && reg.sync) {
    try { await reg.sync.register("talep-outbox"); } catch (err) { /* the online event covers it */ }
  }
}

function dropped(count) {
  return "Bu telefonda başka bir kullanıcının gönderilmemiş " + count +
    " işlemi vardı; sizin adınıza gönderilmedi, silindi.";
}

async function queueForm(form) {
  if (!ME) {
    await showQueue("Oturum bilgisi okunamadı; sayfayı yeniden açın.");
    return;
  }
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
    } else if (name !== "anahtar" && name !== "yazar") {
      fields[name] = value;
    }
  }
  if (fields.islem === "not" && !photo && !(fields.metin || "").trim()) {
    await showQueue("Not ya da fotoğraf ekleyin.");
    return;
  }
  const code = document.querySelector("h1")?.textContent || "";
  await outbox.add({
    key: newKey(), user: ME, url: form.action, fields, photo, photoName, label: form.dataset.label || "",
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

/* «Çıkış yap» (the settings page). Without script the form still signs out: the hub ends the
   session and its push subscriptions; the login page then deletes the saved pages
   (signed_out.js), and the queue keeps the user's actions for the user's next sign-in only. */
function signOutCarefully() {
  const form = document.querySelector("form.logout");
  if (!form) return;
  const button = form.querySelector("button");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    try {
      if (!(await queueSettled())) {
        button.disabled = false;
        await showQueue("Çıkış yapılmadı: işlemleriniz sırada, bağlantı gelince gönderilecek.");
        return;
      }
      await forgetUser();
    } catch (err) {
      // the phone could not forget something: the sign-out still goes, the hub ends the session
    }
    await forgetPush(APP);
    await leave(form);
  });
}

/* Send what this user queued (when online), then, if some could not go, ask before they are
   dropped. True: go on signing out. */
async function queueSettled() {
  if (navigator.onLine) {
    await Promise.race([send().catch(() => undefined), new Promise((r) => setTimeout(r, SEND_AT_SIGN_OUT_MS))]);
  }
  const left = (await outbox.mine(ME)).length;
  if (!left) return true;
  const why = navigator.onLine ? "gönderilemedi" : "bağlantı olmadığı için gönderilemedi";
  const them = left === 1 ? "bu işlem" : "bu işlemler";
  return window.confirm(
    "Gönderilmeyi bekleyen " + left + " işleminiz var; " + why + ". Çıkış yaparsanız " + them +
    " bu telefondan silinecek ve hiç gönderilmeyecek.\n\nYine de çıkış yapılsın mı?",
  );
}

// nothing of the user stays on the phone for the next one: queue, token, saved pages
async function forgetUser() {
  await outbox.signedOut();
  await forgetSavedPages();
}

/* Send the sign-out. Offline it cannot reach the hub: the phone has already forgotten the
   user, and the session is ended as soon as the connection is back (here, or at the next
   page of the app this same session opens: the "cikis" mark names the session by its token). */
async function leave(form) {
  if (navigator.onLine) {
    await outbox.removeMeta("cikis").catch(() => undefined);
    form.submit();
    return;
  }
  await outbox.setMeta("cikis", CSRF).catch(() => undefined);
  queueBox.hidden = false;
  queueBox.replaceChildren(Object.assign(document.createElement("p"), {
    textContent: "Bu telefondaki kayıtlarınız silindi. Bağlantı yok: oturumunuz bağlantı gelince kapatılacak.",
  }));
  queueBox.dataset.cikis = "bekliyor"; // the browser tests wait for this
  window.addEventListener("online", () => { leave(form); }, { once: true });
}

/* A sign-out that found no connection, and this page belongs to the same session: finish it. */
async function finishSignOut() {
  const form = document.createElement("form");
  form.method = "post";
  form.action = "/ui/cikis";
  form.hidden = true;
  const token = Object.assign(document.createElement("input"), { type: "hidden", name: "csrf", value: CSRF });
  form.append(token);
  document.body.append(form);
  await forgetUser().catch(() => undefined);
  await leave(form);
}

async function start() {
  const pending = await outbox.getMeta("cikis");
  if (pending && CSRF) {
    if (pending === CSRF) return finishSignOut();
    await outbox.removeMeta("cikis"); // a page of another session: the one to end is over
  }
  signOutCarefully();
  if (ME) {
    const count = await outbox.signedIn(ME, CSRF);
    if (count) notice(dropped(count));
  }
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
      if ((event.data || {}).type === "outbox") report(event.data.result);
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
