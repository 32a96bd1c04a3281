// The service worker: static files cache-first (their URLs carry content hashes), pages
// network-first with the copy of a page already opened as the offline fallback. Served by the
// /sw.js route (scope "/"), which fills in the two lines below.
// A page is never held up by the worker: its request starts while the worker boots
// (navigation preload), and the page streams in while its copy is written to the cache.
const VERSION = "dev";
const PRECACHE = [];

const STATIC_CACHE = "static-" + VERSION;
const PAGES_CACHE = "pages"; // one user's pages: cleared on logout or another user's login
const OWN_COPY = "X-Own-Offline-Copy"; // set on a page that caches itself (inspections/views.py)

self.addEventListener("install", (event) => {
  // No skipWaiting here: a new version waits until the user accepts it (outbox.js announces it).
  event.waitUntil(caches.open(STATIC_CACHE).then((c) => c.addAll(PRECACHE)));
});

self.addEventListener("activate", (event) => {
  const preload = self.registration.navigationPreload
    ? self.registration.navigationPreload.enable() : Promise.resolve();
  event.waitUntil(preload.then(() => caches.keys()).then((names) => Promise.all(names
    .filter((n) => n.startsWith("static-") && n !== STATIC_CACHE)
    .map((n) => caches.delete(n)))).then(() => self.clients.claim()));
});

self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
});

async function cacheFirst(request, cacheName) {
  const cache = await caches.open(cacheName);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok && response.type === "basic") cache.put(request, response.clone());
  return response;
}

function cacheable(response) {
  const type = response.headers.get("Content-Type") || "";
  return response.ok && !response.redirected && response.type === "basic" && type.startsWith("text/html");
}

async function networkFirst(event) {
  const request = event.request;
  const key = request.url.split("#")[0];
  try {
    const response = (await event.preloadResponse) || (await fetch(request));
    // A page opened while logged in; the login page and its redirects are never kept. A page
    // that keeps its own copy (the checklist: outbox.js writes it once loaded and after each
    // saved write) streams to the tab untouched: copying it here tees it through this worker,
    // which held its arrival back by ~200 ms on slow 4G.
    if (cacheable(response) && !response.headers.has(OWN_COPY)
        && !new URL(key).pathname.startsWith("/auth/")) {
      const copy = response.clone();
      event.waitUntil(caches.open(PAGES_CACHE).then((cache) => cache.put(key, copy)));
    }
    return response;
  } catch (err) {
    const hit = await caches.match(key, { cacheName: PAGES_CACHE, ignoreVary: true });
    if (hit) return hit;
    throw err;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(request, STATIC_CACHE));
  } else if (url.pathname.startsWith("/photos/")) {
    event.respondWith(cacheFirst(request, PAGES_CACHE)); // a photo's id never changes its file
  } else if (request.mode === "navigate") {
    event.respondWith(networkFirst(event));
  }
});
