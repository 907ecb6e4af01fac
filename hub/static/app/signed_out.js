/* Loaded by the login page (/ui/giris), which the hub shows only to a browser without a
   session: after a sign-out from any page (the staff UI's «Çıkış» runs no app script), after
   the session expired or was ended. Nobody is signed in, so no user's saved app pages may
   stay readable offline on this phone. The queued actions stay: each names its user, and
   only that user's sign-in sends them (outbox.js). */
import { forgetSavedPages } from "./saved_pages.js";

forgetSavedPages()
  .catch(() => 0)
  .then(() => { document.documentElement.dataset.kayitlar = "silindi"; }); // the browser tests wait for this
