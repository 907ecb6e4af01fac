/* The phone app's outbox: actions taken on a poor connection wait in IndexedDB and are sent
   in order once the network is back. Loaded by the pages (classic script) and by the service
   worker (importScripts), so both can send; a Web Lock keeps them from sending at once, and
   each action's idempotency key makes a repeated send harmless on the server.

   A phone may be shared: each queued action carries the id of the user who queued it
   (`user`), and the meta entry "user" names the user signed in (set by every app page from
   its <meta name="kullanici">, removed at sign-out). Only the signed-in user's actions are
   sent, with that user's newest CSRF token and the author in the form ("yazar", checked by
   the hub); another user's are never sent: they are dropped and counted (`discarded`). */
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

  const ownedBy = (entry, user) => Boolean(user) && String(entry.user || "") === String(user);

  const api = {
    add: (entry) => run(STORE, "readwrite", (s) => s.add(entry)),
    all: () => run(STORE, "readonly", (s) => s.getAll()),
    get: (seq) => run(STORE, "readonly", (s) => s.get(seq)),
    remove: (seq) => run(STORE, "readwrite", (s) => s.delete(seq)),
    clear: () => run(STORE, "readwrite", (s) => s.clear()),
    getMeta: (key) => run(META, "readonly", (s) => s.get(key)),
    setMeta: (key, value) => run(META, "readwrite", (s) => s.put(value, key)),
    removeMeta: (key) => run(META, "readwrite", (s) => s.delete(key)),
    ownedBy,
  };

  /* The actions `user` queued (all of them when no user is given: nothing is anybody's). */
  api.mine = async (user) => (await api.all()).filter((e) => ownedBy(e, user));

  /* A page of the app loaded for `user` with `csrf`: remember both, and drop what other users
     left in the queue (never sent as this user). Returns how many were dropped. */
  api.signedIn = async function (user, csrf) {
    const before = await api.getMeta("user");
    if (before !== undefined && String(before) !== String(user)) await api.removeMeta("failed");
    await api.setMeta("user", String(user));
    if (csrf) await api.setMeta("csrf", csrf);
    let dropped = 0;
    for (const entry of await api.all()) {
      if (!ownedBy(entry, user)) {
        await api.remove(entry.seq);
        dropped += 1;
      }
    }
    return dropped;
  };

  /* Signing out: nothing of this user stays for the next one (queue, token, refusals). */
  api.signedOut = async function () {
    await api.clear();
    for (const key of ["user", "csrf", "failed"]) await api.removeMeta(key);
  };

  function formFor(entry, csrf) {
    const body = new FormData();
    for (const [name, value] of Object.entries(entry.fields)) body.append(name, value);
    // the newest token: a queued action outlives the page (and maybe the session) it came from
    if (csrf) body.set("csrf", csrf);
    body.set("anahtar", entry.key);
    body.set("yazar", String(entry.user)); // the hub refuses it under another user's session
    if (entry.photo) body.append("foto", entry.photo, entry.photoName || "fotograf.jpg");
    return body;
  }

  /* Send what the signed-in user queued, oldest first. Stops at the first network failure,
     server trouble or ended session (kept for later); an action the server refuses for good
     is dropped and reported, so it cannot block the ones behind it. Another user's actions
     are dropped unsent. With no user known (signed out) nothing is sent. */
  async function sendAll() {
    const result = { sent: 0, failed: [], stopped: null, discarded: 0 };
    const user = await api.getMeta("user");
    const csrf = await api.getMeta("csrf");
    if (!user) {
      result.stopped = "oturum";
      return result;
    }
    for (const queued of await api.all()) {
      // re-read: a sign-out (or another user's page) may have changed things meanwhile
      const entry = await api.get(queued.seq);
      if (!entry) continue;
      if ((await api.getMeta("user")) !== user) { result.stopped = "oturum"; break; }
      if (!ownedBy(entry, user)) {
        await api.remove(entry.seq);
        result.discarded += 1;
        continue;
      }
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
      if (data.yazar) { // queued by someone else than the session's user: never theirs to send
        result.discarded += 1;
        continue;
      }
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
