/* Klantwijs service worker: lessons opened before stay readable without network; any other
   page then shows the offline page. Everything else goes to the network as usual. */
'use strict';
var SHELL = 'klantwijs-basis-2';
var LESSONS = 'klantwijs-lessen';
var BASICS = ['/offline', '/static/css/app.css', '/static/js/app.js', '/static/favicon.svg'];
var LESSON = /^\/modules\/[a-z0-9-]+(\/spiekkaart)?$/;

self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) { return cache.addAll(BASICS); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) {
      return key.indexOf('klantwijs-basis-') === 0 && key !== SHELL;
    }).map(function (key) { return caches.delete(key); }));
  }).then(function () { return self.clients.claim(); }));
});

function keepLesson(path, response) {
  if (!response.ok || response.redirected || response.type !== 'basic') return Promise.resolve();
  var copy = response.clone();
  return caches.open(LESSONS).then(function (cache) { return cache.put(path, copy); });
}

self.addEventListener('fetch', function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (request.mode === 'navigate') {
    event.respondWith(fetch(request).then(function (response) {
      if (LESSON.test(url.pathname)) event.waitUntil(keepLesson(url.pathname, response));
      return response;
    }, function () {
      return caches.match(url.pathname, { cacheName: LESSONS }).then(function (hit) {
        return hit || caches.match('/offline');
      });
    }));
  } else if (url.pathname.indexOf('/static/') === 0) {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && BASICS.indexOf(url.pathname) !== -1) {
        var copy = response.clone();
        event.waitUntil(caches.open(SHELL).then(function (cache) { return cache.put(url.pathname, copy); }));
      }
      return response;
    }, function () {
      return caches.match(url.pathname).then(function (hit) { return hit || Response.error(); });
    }));
  }
});

/* The page that registered the worker asks to keep itself (its first visit came before the
   worker was in charge). */
self.addEventListener('message', function (event) {
  var path = event.data && event.data.keep;
  if (typeof path !== 'string' || !LESSON.test(path)) return;
  event.waitUntil(fetch(path, { credentials: 'same-origin' }).then(function (response) {
    return keepLesson(path, response);
  }).catch(function () { /* no network: nothing to keep */ }));
});
