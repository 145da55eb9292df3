{% autoescape off %}// The site's service worker (docs/offline.md). It keeps static files and the offline page, and
// nothing else: never an API answer, never a page about the person. Answers given offline are
// kept by the page itself (accounts/offline.js), not here.
"use strict";

importScripts("{{ push_script }}");

const CACHE = "mst-static-v1";
const OFFLINE_URL = "{{ offline_url }}";
const STATIC_PREFIX = "{{ static_prefix }}";
// When the check-in cannot be reached, a blank one (about nobody) that the page keeps offline.
const CHECKIN_URL = "{{ checkin_url }}";
const CHECKIN_OFFLINE_URL = "{{ checkin_offline_url }}";
const PRECACHE = [OFFLINE_URL, CHECKIN_OFFLINE_URL{% for asset in assets %}, "{{ asset }}"{% endfor %}];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(PRECACHE))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(
        names.filter((name) => name !== CACHE).map((name) => caches.delete(name))
      ))
      .then(() => self.clients.claim())
  );
});

// A static file: from the network when it answers (so a changed file is seen at once), kept
// for when it does not.
async function staticFile(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const kept = await cache.match(request);
    if (kept) return kept;
    throw error;
  }
}

// A page: always from the network, never kept; the offline page (or the blank check-in) when
// the network fails.
async function page(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const blankCheckin = request.method === "GET" && new URL(request.url).pathname === CHECKIN_URL;
    const kept = await caches.match(blankCheckin ? CHECKIN_OFFLINE_URL : OFFLINE_URL);
    if (kept) return kept;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(page(request));
  } else if (request.method === "GET" && url.pathname.startsWith(STATIC_PREFIX)) {
    event.respondWith(staticFile(request));
  }
  // Anything else (the API, charts, forms sent by scripts) goes to the network untouched.
});

{% endautoescape %}
