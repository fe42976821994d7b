/* Klantwijs quiz: reorder steps by drag, buttons or keyboard; keep answers when the connection drops.
   The page works without this file: the server handles Omhoog/Omlaag and the position selects. */
(function () {
  'use strict';
  var form = document.querySelector('[data-quiz-form]');
  if (!form) return;
  var statusLine = document.querySelector('[data-save-status]');
  var list = form.querySelector('[data-ordering]');
  if (list && !list.closest('fieldset').disabled) ordering(list, form.querySelector('[data-live]'));

  function ordering(list, live) {
    var drag = null;
    var hint = document.getElementById('uitleg-volgorde');
    list.classList.add('is-enhanced');
    if (hint) {
      hint.textContent = 'Zet de stappen in de goede volgorde. Sleep een stap aan de greep, ' +
        'gebruik Omhoog en Omlaag, of gebruik op de greep de pijltjestoetsen (Home en End: helemaal boven of onder). ' +
        'Een lijst die je niet verandert, telt als niet beantwoord.';
    }
    items().forEach(function (li) {
      var handle = document.createElement('button');
      var icon = document.createElement('span');
      handle.type = 'button';
      handle.className = 'handle';
      handle.setAttribute('aria-describedby', 'uitleg-volgorde');
      icon.setAttribute('aria-hidden', 'true');
      icon.textContent = '\u2807\u2807';
      handle.setAttribute('aria-label', 'Verplaats: ' + text(li));
      handle.appendChild(icon);
      li.insertBefore(handle, li.firstChild);
    });

    function items() { return Array.prototype.slice.call(list.children); }
    function text(li) { return li.querySelector('.step-text').textContent.trim(); }
    function mid(el) { var r = el.getBoundingClientRect(); return r.top + r.height / 2; }
    function sync() {
      items().forEach(function (li, i) { li.querySelector('select').value = String(i + 1); });
    }
    function say(message) {
      live.textContent = '';
      window.setTimeout(function () { live.textContent = message; }, 50);
    }
    function announce(li) {
      var all = items();
      say("Stap '" + text(li) + "' staat nu op plaats " + (all.indexOf(li) + 1) + ' van ' + all.length);
    }
    /* Moves the neighbour, not the item itself, so focus and pointer capture stay put. */
    function step(li, delta) {
      var all = items();
      var other = all[all.indexOf(li) + delta];
      if (!other) return false;
      list.insertBefore(other, delta < 0 ? li.nextSibling : li);
      return true;
    }
    function move(li, delta, focusEl) {
      if (!step(li, delta)) {
        say("Stap '" + text(li) + "' staat al " + (delta < 0 ? 'bovenaan.' : 'onderaan.'));
        return;
      }
      sync();
      announce(li);
      if (focusEl && document.activeElement !== focusEl) focusEl.focus();
    }

    list.addEventListener('click', function (e) {
      var button = e.target.closest('[data-move]');
      if (!button) return;
      e.preventDefault();
      move(button.closest('li'), Number(button.getAttribute('data-move')), button);
    });
    list.addEventListener('keydown', function (e) {
      if (!e.target.classList || !e.target.classList.contains('handle')) return;
      var li = e.target.closest('li');
      var place = items().indexOf(li);
      var delta = { ArrowUp: -1, ArrowDown: 1, Home: -place, End: items().length - 1 - place }[e.key];
      if (delta === undefined) return;
      e.preventDefault();
      if (Math.abs(delta) <= 1) {
        move(li, delta || (e.key === 'Home' ? -1 : 1), e.target);
        return;
      }
      for (var i = 0; i < Math.abs(delta); i++) step(li, delta < 0 ? -1 : 1);
      sync();
      announce(li);
      e.target.focus();
    });
    list.addEventListener('pointerdown', function (e) {
      var handle = e.target.closest('.handle');
      if (!handle || drag || (e.pointerType === 'mouse' && e.button !== 0)) return;
      e.preventDefault();
      drag = { li: handle.closest('li'), handle: handle, id: e.pointerId, moved: false };
      try { handle.setPointerCapture(e.pointerId); } catch (err) { /* capture is a nicety */ }
      drag.li.classList.add('is-dragging');
      handle.addEventListener('pointermove', onMove);
      handle.addEventListener('pointerup', onEnd);
      handle.addEventListener('pointercancel', onEnd);
    });
    function onMove(e) {
      if (!drag || e.pointerId !== drag.id) return;
      var all = items();
      var i = all.indexOf(drag.li);
      if (all[i - 1] && e.clientY < mid(all[i - 1])) drag.moved = step(drag.li, -1) || drag.moved;
      else if (all[i + 1] && e.clientY > mid(all[i + 1])) drag.moved = step(drag.li, 1) || drag.moved;
      if (e.clientY < 48) window.scrollBy(0, -12);
      else if (e.clientY > window.innerHeight - 48) window.scrollBy(0, 12);
    }
    function onEnd(e) {
      if (!drag || e.pointerId !== drag.id) return;
      var done = drag;
      drag = null;
      done.handle.removeEventListener('pointermove', onMove);
      done.handle.removeEventListener('pointerup', onEnd);
      done.handle.removeEventListener('pointercancel', onEnd);
      done.li.classList.remove('is-dragging');
      if (done.moved) { sync(); announce(done.li); }
    }
  }

  /* Send the form in the background: when the connection drops, the page and its answer stay. */
  var sending = false;
  form.addEventListener('submit', function (e) {
    if (form.getAttribute('data-plain')) return;
    var submitter = e.submitter;
    e.preventDefault();
    if (sending) return;
    sending = true;
    var data = new FormData(form);
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    fetch(form.action, { method: 'POST', body: data, credentials: 'same-origin' }).then(function (res) {
      if (res.ok) {
        var check = submitter && submitter.value === 'controleer';
        var target = res.url + (check ? '#uitleg' : '');
        if (res.url === window.location.href.split('#')[0]) {
          window.history.replaceState(null, '', target);
          window.location.reload();
        } else {
          window.location.assign(target);
        }
        return;
      }
      form.setAttribute('data-plain', '1');
      if (submitter) form.requestSubmit(submitter); else form.submit();
    }, function () {
      sending = false;
      if (!statusLine) return;
      statusLine.textContent = 'Geen verbinding: je antwoord is nog niet bewaard. ' +
        'Het staat nog op je scherm. Probeer het opnieuw zodra je weer verbinding hebt.';
      statusLine.classList.add('is-error');
    });
  });
  window.addEventListener('online', function () {
    if (statusLine && statusLine.classList.contains('is-error')) {
      statusLine.textContent = 'Je hebt weer verbinding. Druk nogmaals op de knop om je antwoord te bewaren.';
    }
  });
})();
