/* Service worker of the phone app (scope /ui/uygulama/). Keeps the shell and the pages last
   loaded for a poor connection, sends queued actions on Background Sync, and shows Web Push
   notices. Served by the hub from /ui/uygulama/sw.js.

   The saved pages (PAGES) hold citizens' requests as the signed-in user saw them: signing out
   deletes them (app.js, and the login page's signed_out.js for a sign-out elsewhere; both by
   the "talep-pages" prefix, saved_pages.js), and so does a page load that finds the session
   ended (a redirect to the login page). The shell names no user (the offline page is served
   without one), so it stays. */
"use strict";
importScripts("/static/app/outbox.js");

const APP = "/ui/uygulama";
const SHELL = "talep-shell-v2"; // v1 kept an offline page with the installing user's name in it
const PAGES = "talep-pages-v1";
const SHELL_FILES = [
  APP + "/cevrimdisi", "/static/app/app.css", "/static/app/app.js", "/static/app/outbox.js",
  "/static/app/push.js", "/static/app/photo.js", "/static/app/saved_pages.js", "/static/app/icon-192.png",
];
const LOGIN = "/ui/giris";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((c) => c.addAll(SHELL_FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name !== SHELL && name !== PAGES) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

async function fromNetworkFirst(request) {
  const cache = await caches.open(PAGES);
  try {
    const resp = await fetch(request);
    if (resp.redirected && new URL(resp.url).pathname === LOGIN) {
      // no session in this browser any more: nobody's saved pages may be read offline
      await caches.delete(PAGES);
    } else if (resp.ok && !resp.redirected) {
      await cache.put(request, resp.clone());
    }
    return resp;
  } catch (err) {
    const kept = await cache.match(request, { ignoreSearch: true });
    if (kept) return kept;
    return (await caches.match(APP + "/cevrimdisi")) || Response.error();
  }
}

async function fromCacheFirst(request) {
  const kept = await caches.match(request);
  const fresh = fetch(request).then(async (resp) => {
    if (resp.ok) await (await caches.open(SHELL)).put(request, resp.clone());
    return resp;
  }).catch(() => undefined);
  return kept || (await fresh) || Response.error();
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/app/")) {
    event.respondWith(fromCacheFirst(event.request));
  } else if (url.pathname.startsWith(APP + "/") && !url.pathname.endsWith("/sw.js")) {
    event.respondWith(fromNetworkFirst(event.request));
  }
});

async function tellPages(message) {
  for (const client of await self.clients.matchAll({ type: "window" })) client.postMessage(message);
}

self.addEventListener("sync", (event) => {
  if (event.tag === "talep-outbox") {
    event.waitUntil(self.TalepOutbox.flush().then((result) => tellPages({ type: "outbox", result })));
  }
});

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "prefetch" && Array.isArray(data.urls)) {
    // the requests on the list, so they open without a connection later
    event.waitUntil(caches.open(PAGES).then((cache) => Promise.all(data.urls.slice(0, 30).map(
      (u) => fetch(u, { credentials: "same-origin" })
        .then((resp) => (resp.ok && !resp.redirected ? cache.put(u, resp) : undefined))
        .catch(() => undefined),
    ))));
  }
});

self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (err) { data = {}; }
  const title = data.title || "Talep bildirimi";
  event.waitUntil(self.registration.showNotification(title, {
    body: data.body || "",
    tag: data.tag || undefined,
    icon: "/static/app/icon-192.png",
    badge: "/static/app/icon-192.png",
    data: { url: data.url || APP + "/" },
    lang: "tr",
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL((event.notification.data || {}).url || APP + "/", self.location.origin);
  if (target.origin !== self.location.origin) return;
  event.waitUntil((async () => {
    for (const client of await self.clients.matchAll({ type: "window" })) {
      if (client.url === target.href && "focus" in client) return client.focus();
    }
    return self.clients.openWindow(target.href);
  })());
});
