/* Klantwijs ordering question: reorder steps by drag, by Omhoog/Omlaag, or by keyboard on the
   handle. Without this file the server handles Omhoog/Omlaag and the place selects. */
(function () {
  'use strict';
  var list = document.querySelector('[data-ordering]');
  if (!list || list.closest('fieldset').disabled) return;
  var live = list.parentNode.querySelector('[data-live]');
  var drag = null;

  list.classList.add('is-enhanced');
  describe();
  items().forEach(function (li) {
    var handle = document.createElement('button');
    var icon = document.createElement('span');
    handle.type = 'button';
    handle.className = 'handle';
    handle.setAttribute('aria-describedby', 'uitleg-volgorde uitleg-toetsen');
    handle.setAttribute('aria-label', 'Verplaats: ' + text(li));
    icon.setAttribute('aria-hidden', 'true');
    icon.textContent = '\u2807\u2807';
    handle.appendChild(icon);
    li.insertBefore(handle, li.firstChild);
  });
  ends();

  /* Touch users read one short line; the keyboard part shows only with a fine pointer (CSS)
     and stays in every handle's accessible description. */
  function describe() {
    var hint = document.getElementById('uitleg-volgorde');
    if (!hint) return;
    hint.textContent = 'Sleep een stap aan de greep of gebruik Omhoog en Omlaag. ' +
      'Een lijst die je niet verandert, telt als niet beantwoord.';
    var keys = document.createElement('p');
    keys.id = 'uitleg-toetsen';
    keys.className = 'hint keys-hint';
    keys.textContent = 'Met het toetsenbord: ga naar de greep van een stap en gebruik de pijltjes omhoog en omlaag; ' +
      'Home en End zetten de stap helemaal boven of onder.';
    hint.parentNode.insertBefore(keys, hint.nextSibling);
  }

  function items() { return Array.prototype.slice.call(list.children); }
  function text(li) { return li.querySelector('.step-text').textContent.trim(); }
  function mid(el) { var r = el.getBoundingClientRect(); return r.top + r.height / 2; }
  /* The first step cannot go up, the last not down: say so on the button (it stays focusable). */
  function ends() {
    var all = items();
    all.forEach(function (li, i) {
      var up = li.querySelector('[data-move="-1"]');
      var down = li.querySelector('[data-move="1"]');
      if (up) up.setAttribute('aria-disabled', String(i === 0));
      if (down) down.setAttribute('aria-disabled', String(i === all.length - 1));
    });
  }
  function sync() {
    items().forEach(function (li, i) { li.querySelector('select').value = String(i + 1); });
    ends();
  }
  function say(message) {
    if (!live) return;
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

  /* quiz.js put back an unsaved answer: the selects say the order, the list follows. */
  list.addEventListener('klantwijs:restored', function () {
    items().sort(function (a, b) {
      return Number(a.querySelector('select').value) - Number(b.querySelector('select').value);
    }).forEach(function (li) { list.appendChild(li); });
    sync();
  });
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
})();
