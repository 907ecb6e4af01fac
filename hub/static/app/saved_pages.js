/* The copies of the app's pages the service worker keeps for offline use (sw.js: PAGES,
   "talep-pages-…") hold citizens' requests as the signed-in user saw them. On a shared phone
   they must go with the user: signing out deletes them. The app's shell (script, style,
   icons, the offline page without any user's data) stays. */
const PREFIX = "talep-pages";

export async function forgetSavedPages() {
  if (!("caches" in self)) return 0; // no secure context: the service worker never ran either
  let gone = 0;
  for (const name of await caches.keys()) {
    if (name.startsWith(PREFIX) && (await caches.delete(name))) gone += 1;
  }
  return gone;
}
