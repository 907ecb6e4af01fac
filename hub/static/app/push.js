/* This phone's Web Push subscription: turn on (permission, subscribe with the hub's VAPID
   key, tell the hub) and off. Which notices arrive is the form below it on the page. */
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
    state.textContent = sub ? "Bu telefonda bildirimler açık."
      : denied ? "Bildirim izni tarayıcı ayarlarında kapatılmış." : "Bu telefonda bildirimler kapalı.";
    on.hidden = Boolean(sub) || denied;
    off.hidden = !sub;
  };
  on.addEventListener("click", async () => {
    try {
      if ((await Notification.requestPermission()) !== "granted") return show();
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
