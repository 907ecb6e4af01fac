/* The phone app's outbox: actions taken on a poor connection wait in IndexedDB and are sent
   in order once the network is back. Loaded by the pages (classic script) and by the service
   worker (importScripts), so both can send; a Web Lock keeps them from sending at once, and
   each action's idempotency key makes a repeated send harmless on the server. */
(function (scope) {
  "use strict";
  const DB = "talep-app";
  const STORE = "outbox";
  const META = "meta";
  const LOCK = "talep-outbox";

  function openDb() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open(DB, 1);
      req.onupgradeneeded = () => {
        const db = req.result;
        db.createObjectStore(STORE, { keyPath: "seq", autoIncrement: true });
        db.createObjectStore(META);
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }

  async function run(store, mode, work) {
    const db = await openDb();
    try {
      return await new Promise((resolve, reject) => {
        const tx = db.transaction(store, mode);
        const request = work(tx.objectStore(store));
        tx.oncomplete = () => resolve(request ? request.result : undefined);
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      });
    } finally {
      db.close();
    }
  }

  const api = {
    add: (entry) => run(STORE, "readwrite", (s) => s.add(entry)),
    all: () => run(STORE, "readonly", (s) => s.getAll()),
    remove: (seq) => run(STORE, "readwrite", (s) => s.delete(seq)),
    getMeta: (key) => run(META, "readonly", (s) => s.get(key)),
    setMeta: (key, value) => run(META, "readwrite", (s) => s.put(value, key)),
  };

  function formFor(entry, csrf) {
    const body = new FormData();
    for (const [name, value] of Object.entries(entry.fields)) body.append(name, value);
    // the newest token: a queued action outlives the page (and maybe the session) it came from
    if (csrf) body.set("csrf", csrf);
    body.set("anahtar", entry.key);
    if (entry.photo) body.append("foto", entry.photo, entry.photoName || "fotograf.jpg");
    return body;
  }

  /* Send what waits, oldest first. Stops at the first network failure, server trouble or
     ended session (kept for later); an action the server refuses for good is dropped and
     reported, so it cannot block the ones behind it. */
  async function sendAll() {
    const result = { sent: 0, failed: [], stopped: null };
    const csrf = await api.getMeta("csrf");
    for (const entry of await api.all()) {
      let resp;
      try {
        resp = await fetch(entry.url, {
          method: "POST", body: formFor(entry, csrf), credentials: "same-origin",
          headers: { Accept: "application/json" },
        });
      } catch (err) {
        result.stopped = "ag";
        break;
      }
      let data = {};
      try { data = await resp.json(); } catch (err) { data = {}; }
      if (resp.ok && data.ok) {
        await api.remove(entry.seq);
        result.sent += 1;
        continue;
      }
      if (resp.status === 401 || data.oturum || resp.redirected) { result.stopped = "oturum"; break; }
      if (resp.status >= 500 || resp.status === 408 || resp.status === 429) { result.stopped = "sunucu"; break; }
      await api.remove(entry.seq);
      result.failed.push({ label: entry.label, code: entry.code, hata: data.hata || ("HTTP " + resp.status) });
    }
    if (result.failed.length) {
      const earlier = (await api.getMeta("failed")) || [];
      await api.setMeta("failed", earlier.concat(result.failed).slice(-20));
    }
    return result;
  }

  api.flush = function () {
    if (scope.navigator && scope.navigator.locks) {
      return scope.navigator.locks.request(LOCK, sendAll);
    }
    return sendAll();
  };

  scope.TalepOutbox = api;
})(self);
