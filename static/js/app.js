/* Klantwijs on every page: a service worker keeps lessons readable offline (static/js/sw.js),
   and a page read without network says so. */
(function () {
  'use strict';
  var main = document.getElementById('inhoud');
  if (main && navigator.onLine === false && main.querySelector('[data-keep-offline]')) {
    var note = document.createElement('p');
    note.className = 'flash flash-info';
    note.setAttribute('role', 'status');
    note.textContent = 'Je hebt geen verbinding. Je leest de les zoals je hem eerder opende.';
    main.insertBefore(note, main.firstChild);
  }
  listKeptLessons();
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return;
  navigator.serviceWorker.register('/sw.js').then(function () {
    return navigator.serviceWorker.ready;
  }).then(function (registration) {
    var lesson = document.querySelector('[data-keep-offline]');
    if (lesson && registration.active) registration.active.postMessage({ keep: lesson.getAttribute('data-keep-offline') });
  }).catch(function () { /* the site works without it */ });

  /* The offline page lists the lessons this phone has kept. */
  function listKeptLessons() {
    var list = document.querySelector('[data-offline-lessons]');
    if (!list || !window.caches) return;
    caches.open('klantwijs-lessen').then(function (cache) {
      return cache.keys().then(function (requests) {
        return Promise.all(requests.map(function (request) {
          return cache.match(request).then(function (response) { return response.text(); }).then(function (html) {
            var title = new DOMParser().parseFromString(html, 'text/html').title.split(' · ')[0];
            return { href: new URL(request.url).pathname, title: title };
          });
        }));
      });
    }).then(function (lessons) {
      lessons.sort(function (a, b) { return a.title.localeCompare(b.title, 'nl'); }).forEach(function (lesson) {
        var li = document.createElement('li');
        var a = document.createElement('a');
        a.href = lesson.href;
        a.textContent = lesson.title;
        li.appendChild(a);
        list.appendChild(li);
      });
    }).catch(function () { /* nothing kept */ });
  }
})();
