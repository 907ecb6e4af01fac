/* This phone's Web Push subscription: turn on (permission, subscribe with the hub's VAPID
   key, tell the hub) and off. Which notices arrive is the form below it on the page.
   The browser keeps its subscription when the hub has removed it (a sign-out ends the
   session's subscriptions on the server), so "on" is said only when the hub confirms that
   this browser's endpoint is registered for the signed-in user. Signing out of the app
   ends the browser's subscription too (forgetPush). */
function keyBytes(base64url) {
  const padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

function b64(buffer) {
  return btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function post(url, fields) {
  const body = new URLSearchParams(fields);
  body.set("csrf", document.querySelector("meta[name=csrf]").content);
  const resp = await fetch(url, { method: "POST", body, credentials: "same-origin", headers: { Accept: "application/json" } });
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok || !data.ok) throw new Error(data.hata || "HTTP " + resp.status);
  return data;
}

export async function setUpPush(box, app) {
  const state = box.querySelector("#abonelik-durum");
  const on = box.querySelector("#ac");
  const off = box.querySelector("#kapa");
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    state.textContent = "Bu tarayıcı bildirimleri desteklemiyor. Listeyi açarak yeni işleri görebilirsiniz.";
    return;
  }
  const reg = await navigator.serviceWorker.ready;
  const show = async () => {
    const sub = await reg.pushManager.getSubscription();
    const denied = Notification.permission === "denied";
    // "on" | "off" | "unknown" (the hub could not be asked: offline)
    let now = "off";
    if (sub) {
      try {
        now = (await post(app + "/abonelik/durum", { endpoint: sub.endpoint })).kayitli === true ? "on" : "off";
      } catch (err) {
        now = "unknown";
      }
    }
    state.textContent = now === "on" ? "Bu telefonda bildirimler açık."
      : now === "unknown" ? "Bildirimlerin durumu şu anda denetlenemedi; bağlantı gelince sayfayı yenileyin."
      : denied ? "Bildirim izni tarayıcı ayarlarında kapatılmış." : "Bu telefonda bildirimler kapalı.";
    on.hidden = now !== "off" || denied;
    off.hidden = now === "off";
    box.dataset.durum = now; // the browser tests read it
  };
  on.addEventListener("click", async () => {
    try {
      if ((await Notification.requestPermission()) !== "granted") return show();
      // a subscription the browser kept though the hub no longer has it for this user (an
      // earlier user's, ended at sign-out) is dropped: this user gets an endpoint of their own
      const stale = await reg.pushManager.getSubscription();
      if (stale) await stale.unsubscribe();
      const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(box.dataset.vapid) });
      await post(app + "/abonelik", {
        endpoint: sub.endpoint, p256dh: b64(sub.getKey("p256dh")), auth: b64(sub.getKey("auth")),
      });
    } catch (err) {
      state.textContent = "Bildirimler açılamadı: " + err.message;
      return;
    }
    await show();
  });
  off.addEventListener("click", async () => {
    const sub = await reg.pushManager.getSubscription();
    if (sub) {
      await post(app + "/abonelik/sil", { endpoint: sub.endpoint }).catch(() => undefined);
      await sub.unsubscribe();
    }
    await show();
  });
  await show();
}

/* Signing out: tell the hub to forget this browser's subscription (the sign-out itself removes
   the ones this session registered) and end it in the browser, so the next user of a shared
   phone neither gets the notices nor is told they are on. Never keeps the sign-out waiting
   for long: after `waitMs` the form goes anyway. */
export async function forgetPush(app, waitMs = 3000) {
  const work = (async () => {
    if (!("serviceWorker" in navigator) || !("PushManager" in window)) return;
    const reg = await navigator.serviceWorker.getRegistration(app + "/");
    const sub = reg && (await reg.pushManager.getSubscription());
    if (!sub) return;
    await post(app + "/abonelik/sil", { endpoint: sub.endpoint }).catch(() => undefined);
    await sub.unsubscribe();
  })().catch(() => undefined);
  await Promise.race([work, new Promise((resolve) => setTimeout(resolve, waitMs))]);
}
