// The service worker: static files cache-first (their URLs carry content hashes), pages
// network-first with the copy of a page already opened as the offline fallback. Served by the
// /sw.js route (scope "/"), which fills in the two lines below.
// A page is never held up by the worker: its request starts while the worker boots
// (navigation preload), and the page streams in while its copy is written to the cache.
// The running checklist opens from the outbox's copy at once, and is checked against the
// server's page as it arrives (see ownCopyFirst).
const VERSION = "dev";
const PRECACHE = [];

const STATIC_CACHE = "static-" + VERSION;
const PAGES_CACHE = "pages"; // one user's pages: cleared on logout or another user's login
const OWN_COPY = "X-Own-Offline-Copy"; // set on a page that caches itself (inspections/views.py)
const SNAPSHOT = "X-Outbox-Snapshot"; // on that page's copy, as outbox.js writes it
const BUILD = "X-Outbox-Build"; // the outbox.js it was written by

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

// The running checklist, when the outbox has a copy of it written by this version's outbox.js:
// that copy at once (an inspector reopening it waits for no round trip on a weak signal),
// then the server's page as it arrives is handed to the tab, which swaps in what changed
// (answers from another phone, a new CSRF token: outbox.js, "fresh-page"). A page the server
// no longer serves as a running checklist (submitted, logged out, gone) replaces the copy and
// the tab reloads onto it. Offline, the copy is what the network-first path would show anyway.
async function ownCopy(key) {
  const hit = await caches.match(key, { cacheName: PAGES_CACHE, ignoreVary: true });
  if (!hit || !hit.headers.has(SNAPSHOT)) return null;
  const build = hit.headers.get(BUILD) || "";
  const current = PRECACHE.find((u) => u.split("?")[0].endsWith("/outbox.js"));
  if (!current || !build || new URL(build, self.location).href !== new URL(current, self.location).href) return null;
  return hit;
}

async function tellTab(event, message) {
  // The tab exists once its navigation commits, which a cached page does at once.
  for (let i = 0; i < 50; i++) {
    const tab = event.resultingClientId && await self.clients.get(event.resultingClientId);
    if (tab) { tab.postMessage(message); return; }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function revalidate(event, key) {
  let response;
  try {
    response = (await event.preloadResponse) || (await fetch(event.request));
  } catch (err) {
    response = null; // offline
  }
  if (!response || response.status >= 500 || response.status === 429) {
    // Offline, or the server in trouble: the copy stands, the outbox sends when it can.
    await tellTab(event, { type: "copy-stands", url: key });
    return;
  }
  if (cacheable(response) && response.headers.has(OWN_COPY)) {
    await tellTab(event, { type: "fresh-page", url: key, html: await response.text() });
    return;
  }
  const cache = await caches.open(PAGES_CACHE);
  if (cacheable(response)) await cache.put(key, response.clone());
  else await cache.delete(key);
  await tellTab(event, { type: "page-gone", url: key });
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
    const key = request.url.split("#")[0];
    const copy = ownCopy(key).catch(() => null);
    event.respondWith(copy.then((hit) => hit || networkFirst(event)));
    event.waitUntil(copy.then((hit) => hit && revalidate(event, key)));
  }
});
