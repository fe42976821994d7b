/* Klantwijs quiz: send the answer in the background, one request per step. The tapped button
   shows it is busy and cannot be tapped twice; offline, error and "log in again" messages
   appear next to it; the answer stays in the form and in sessionStorage until the server
   confirms it, and comes back after logging in again. After Controleer the verdict is
   scrolled into view and announced. Without this file the form posts as usual. */
(function () {
  'use strict';
  var form = document.querySelector('[data-quiz-form]');
  var statusLine = document.querySelector('[data-save-status]');
  var KEY = 'klantwijs-antwoord:' + (form ? new URL(form.action, location.href).pathname : '');
  var busy = false;
  var slowTimer = null;

  showVerdict();
  if (!form) return;
  restore();
  form.addEventListener('submit', send);
  window.addEventListener('pageshow', function (e) { if (e.persisted) idle(); });
  window.addEventListener('online', function () {
    if (statusLine && statusLine.classList.contains('is-error') && statusLine.getAttribute('data-offline')) {
      tell('Je hebt weer verbinding. Druk nog een keer op de knop om je antwoord te bewaren.', true);
    }
  });

  function tell(message, problem, link) {
    if (!statusLine) return;
    statusLine.classList.remove('visually-hidden');
    statusLine.textContent = message;
    if (link) {
      var a = document.createElement('a');
      a.href = link.href;
      a.className = 'button primary';
      a.textContent = link.text;
      statusLine.appendChild(document.createTextNode(' '));
      statusLine.appendChild(a);
    }
    statusLine.classList.toggle('is-error', !!problem);
    statusLine.removeAttribute('data-offline');
    if (problem) statusLine.scrollIntoView({ block: 'nearest' });
  }

  /* After Controleer the page opens at #uitleg: bring the verdict into view, read it out. */
  function showVerdict() {
    var box = location.hash === '#uitleg' && document.getElementById('uitleg');
    if (!box) return;
    if ('scrollRestoration' in history) history.scrollRestoration = 'manual';
    box.scrollIntoView({ block: 'start' });
    box.focus({ preventScroll: true });
    var heading = box.querySelector('h2, h3');
    if (statusLine && heading) {
      /* Heard only: a line shown now would move the buttons under a thumb. */
      statusLine.classList.add('visually-hidden');
      window.setTimeout(function () { statusLine.textContent = heading.textContent.replace(/\s+/g, ' ').trim(); }, 100);
    }
  }

  function fields(data) {
    var pairs = [];
    data.forEach(function (value, name) {
      if (name !== 'csrf_token' && name !== 'ga' && typeof value === 'string') pairs.push([name, value]);
    });
    return pairs;
  }
  function keep(data, label) {
    try { sessionStorage.setItem(KEY, JSON.stringify({ fields: fields(data), button: label })); } catch (e) { /* private mode */ }
  }
  function forget() {
    try { sessionStorage.removeItem(KEY); } catch (e) { /* private mode */ }
  }

  /* An answer that was not saved (offline, logged out) is put back into the form. */
  function restore() {
    var saved;
    try { saved = JSON.parse(sessionStorage.getItem(KEY) || 'null'); } catch (e) { saved = null; }
    if (!saved || !saved.fields) return;
    var fieldset = form.querySelector('fieldset');
    if (fieldset && fieldset.disabled) { forget(); return; }
    var chosen = {};
    saved.fields.forEach(function (pair) { (chosen[pair[0]] = chosen[pair[0]] || []).push(pair[1]); });
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in chosen)) {
        if (el.type === 'radio' || el.type === 'checkbox') el.checked = false;
        return;
      }
      if (el.type === 'radio' || el.type === 'checkbox') el.checked = chosen[el.name].indexOf(el.value) !== -1;
      else if (el.tagName === 'SELECT') el.value = chosen[el.name][0];
    });
    var list = form.querySelector('[data-ordering]');
    if (list) list.dispatchEvent(new CustomEvent('klantwijs:restored'));
    tell('Je antwoord van net staat er weer. Het is nog niet bewaard: druk op ' +
      (saved.button || 'Volgende') + ' om het te bewaren.', false);
  }

  function buttons() { return form.querySelectorAll('button[type=submit], button:not([type])'); }
  function working(submitter) {
    busy = true;
    form.setAttribute('aria-busy', 'true');
    Array.prototype.forEach.call(buttons(), function (b) { b.disabled = true; });
    if (submitter) submitter.classList.add('is-busy');
    slowTimer = window.setTimeout(function () { tell('Bezig met bewaren…', false); }, 1000);
  }
  function idle(submitter) {
    busy = false;
    window.clearTimeout(slowTimer);
    form.removeAttribute('aria-busy');
    Array.prototype.forEach.call(buttons(), function (b) { b.disabled = false; b.classList.remove('is-busy'); });
    if (submitter && document.activeElement === document.body) submitter.focus({ preventScroll: true });
  }

  function go(next) {
    var target = new URL(next, location.href);
    if (target.pathname === location.pathname && target.search === location.search) {
      history.replaceState(null, '', target.href);
      location.reload();
    } else {
      location.assign(target.href);
    }
  }

  /* The page the server answered with instead (a 4xx/5xx): its message, next to the button. */
  function problemFrom(res, submitter) {
    return res.text().then(function (html) {
      var doc = new DOMParser().parseFromString(html, 'text/html');
      var found = doc.querySelector('.error-summary p, main h1 + p');
      var link = doc.querySelector('main .actions a.primary');
      idle(submitter);
      tell(found ? found.textContent.trim() : 'Er ging iets mis. Je antwoord is niet bewaard; probeer het opnieuw.',
        true, link ? { href: link.getAttribute('href'), text: link.textContent.trim() } : null);
    });
  }

  function send(e) {
    if (form.hasAttribute('data-plain')) return;
    var submitter = e.submitter;
    e.preventDefault();
    if (busy) return;
    var data = new FormData(form);
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    keep(data, submitter ? submitter.textContent.trim() : '');
    working(submitter);
    fetch(form.action, {
      method: 'POST', body: data, credentials: 'same-origin', headers: { 'X-Requested-With': 'fetch' }
    }).then(function (res) {
      if (res.status === 204 && res.headers.get('Klantwijs-Next')) {
        forget();
        go(res.headers.get('Klantwijs-Next'));
      } else if (res.status === 401 && res.headers.get('Klantwijs-Login')) {
        idle(submitter);
        tell('Je bent niet meer ingelogd. Je antwoord is nog niet bewaard, maar het blijft op dit apparaat staan. ' +
          'Log opnieuw in; daarna zie je deze vraag weer met je antwoord.', true,
          { href: res.headers.get('Klantwijs-Login'), text: 'Log opnieuw in' });
      } else if (res.ok) {
        forget();
        go(res.url);
      } else {
        return problemFrom(res, submitter);
      }
    }).catch(function () {
      idle(submitter);
      tell('Geen verbinding: je antwoord is nog niet bewaard. Het staat nog op je scherm. ' +
        'Probeer het opnieuw zodra je weer verbinding hebt.', true);
      if (statusLine) statusLine.setAttribute('data-offline', '1');
    });
  }
})();
