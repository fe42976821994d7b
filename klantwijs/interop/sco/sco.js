/* Klantwijs SCO: the module's quiz, drawn and graded in this browser, reported to the LMS
   through the SCORM API (1.2: window.API, 2004: window.API_1484_11). A SCORM package has no
   server, so the right answers are in data.js: a learner who reads the code can find them.
   The quiz and its place are kept in suspend_data, so a new launch resumes where it stopped. */
(function () {
  'use strict';
  var data = window.KLANTWIJS_SCO;
  var quiz = document.getElementById('toets');
  var lesson = document.getElementById('les');
  var statusLine = document.querySelector('[data-lms-status]');
  var startButton = document.querySelector('[data-start]');
  if (!data || !quiz || !lesson) return;
  var v12 = data.scorm === '1.2';
  var launched = new Date();
  var lms = connect();
  var state = restore() || { v: 1, s: 'les' };
  var passedBefore = state.best === 1 || launchStatus() === 'passed';

  /* --- The LMS ------------------------------------------------------------------------- */

  function findApi(name) {
    function search(win) {
      for (var i = 0; win && i < 10; i++) {
        try { if (win[name]) return win[name]; } catch (e) { return null; /* another origin */ }
        if (!win.parent || win.parent === win) break;
        win = win.parent;
      }
      return null;
    }
    return search(window) || (window.opener ? search(window.opener) : null);
  }

  function connect() {
    var api = findApi(v12 ? 'API' : 'API_1484_11');
    var open = false;
    if (api) {
      try { open = String(v12 ? api.LMSInitialize('') : api.Initialize('')) === 'true'; } catch (e) { open = false; }
    }
    function call(m12, m2004, a, b) {
      if (!open) return '';
      try { return String(v12 ? api[m12](a, b) : api[m2004](a, b)); } catch (e) { return ''; }
    }
    return {
      open: open,
      get: function (key) { return call('LMSGetValue', 'GetValue', key); },
      set: function (key, value) { return call('LMSSetValue', 'SetValue', key, String(value)) === 'true'; },
      commit: function () { return call('LMSCommit', 'Commit', ''); },
      finish: function () { var done = call('LMSFinish', 'Terminate', ''); open = false; return done; }
    };
  }

  function launchStatus() {
    return lms.get(v12 ? 'cmi.core.lesson_status' : 'cmi.success_status');
  }

  function restore() {
    var raw = lms.get('cmi.suspend_data');
    if (!raw) return null;
    try {
      var saved = JSON.parse(raw);
      return saved && saved.v === 1 && valid(saved) ? saved : null;
    } catch (e) { return null; }
  }

  function valid(saved) {
    if (!saved.d) return true;
    return saved.d.every(function (qi) { return qi >= 0 && qi < data.questions.length; });
  }

  function save(commit) {
    lms.set('cmi.suspend_data', JSON.stringify(state));
    if (commit) lms.commit();
  }

  function two(n) { return (n < 10 ? '0' : '') + n; }

  function sessionTime() {
    var seconds = Math.max(0, Math.round((new Date() - launched) / 1000));
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    if (v12) return (h < 10 ? '000' : h < 100 ? '00' : h < 1000 ? '0' : '') + Math.min(h, 9999) + ':' + two(m) + ':' + two(s);
    return 'PT' + h + 'H' + m + 'M' + s + 'S';
  }

  function timestamp() {
    var d = new Date();
    return d.getFullYear() + '-' + two(d.getMonth() + 1) + '-' + two(d.getDate()) + 'T' +
      two(d.getHours()) + ':' + two(d.getMinutes()) + ':' + two(d.getSeconds());
  }

  var finished = false;
  function finish() {
    if (finished || !lms.open) return;
    finished = true;
    var handedIn = state.s === 'uitslag';
    lms.set(v12 ? 'cmi.core.exit' : 'cmi.exit', handedIn ? (v12 ? '' : 'normal') : 'suspend');
    lms.set(v12 ? 'cmi.core.session_time' : 'cmi.session_time', sessionTime());
    save(true);
    lms.finish();
  }
  window.addEventListener('pagehide', finish);
  window.addEventListener('beforeunload', finish);

  /* --- Drawing and grading (the same rules as the app: learning/draw.py, grading.py) --------- */

  function shuffled(list) {
    var out = list.slice();
    for (var i = out.length - 1; i > 0; i--) {
      var j = Math.floor(Math.random() * (i + 1));
      var t = out[i]; out[i] = out[j]; out[j] = t;
    }
    return out;
  }

  function range(n) { var out = []; for (var i = 0; i < n; i++) out.push(i); return out; }

  function draw() {
    var main = -1;
    data.questions.forEach(function (q, i) { if (q.main) main = i; });
    var others = range(data.questions.length).filter(function (i) { return i !== main; });
    var wanted = Math.min(data.perAttempt, data.questions.length);
    var chosen = shuffled(others).slice(0, main >= 0 ? wanted - 1 : wanted);
    if (main >= 0) chosen.push(main);
    chosen = shuffled(chosen);
    var orders = chosen.map(function (qi) {
      var q = data.questions[qi];
      var order = shuffled(range(q.items.length));
      if (q.kind === 'sequencing' && same(order, range(order.length))) order = order.slice(1).concat(order.slice(0, 1));
      return order;
    });
    state = { v: 1, s: 'vraag', d: chosen, o: orders, a: chosen.map(function () { return null; }), n: 0, best: state.best };
  }

  function same(a, b) {
    if (!a || !b || a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  function longestRun(order) {
    var tails = [];
    order.forEach(function (value) {
      var lo = 0, hi = tails.length;
      while (lo < hi) { var mid = (lo + hi) >> 1; if (tails[mid] < value) lo = mid + 1; else hi = mid; }
      tails[lo] = value;
    });
    return tails.length;
  }

  /* Score 0..1 for an answer: item indexes (options picked, or the steps in the learner's order). */
  function grade(q, answer) {
    if (!answer || !answer.length) return 0;
    if (q.kind === 'sequencing') {
      if (answer.length !== q.items.length) return 0;
      return (longestRun(answer) - 1) / (q.items.length - 1);
    }
    var right = q.items.filter(function (item) { return item.correct; }).length;
    if (!q.multiple) return answer.length === 1 && q.items[answer[0]].correct ? 1 : 0;
    var hits = answer.filter(function (i) { return q.items[i].correct; }).length;
    return Math.max(0, (hits - (answer.length - hits)) / right);
  }

  /* The grader, for the test that holds it to the app's (tests/browser/test_scorm_browser.py). */
  window.KlantwijsSco = { grade: grade };

  /* --- Building the screens (text only through textContent) ------------------------------- */

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === 'text') node.textContent = attrs[key];
      else if (key === 'className') node.className = attrs[key];
      else if (key.slice(0, 2) === 'on') node.addEventListener(key.slice(2), attrs[key]);
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function button(text, handler, primary, label) {
    var attrs = { type: 'button', className: 'button' + (primary ? ' primary' : ''), text: text, onclick: handler };
    if (label) attrs['aria-label'] = label;
    return el('button', attrs);
  }

  function show(nodes, heading) {
    lesson.hidden = true;
    quiz.hidden = false;
    quiz.textContent = '';
    nodes.forEach(function (node) { if (node) quiz.appendChild(node); });
    window.scrollTo(0, 0);
    if (heading) heading.focus();
  }

  function points(value) {
    var r = Math.round(value * 100) / 100;
    return String(r).replace('.', ',');
  }

  function heading(text) { return el('h2', { tabindex: '-1', text: text }); }

  function question(i) {
    var q = data.questions[state.d[i]];
    var total = state.d.length;
    var title = heading('Vraag ' + (i + 1) + ' van ' + total);
    var body = q.kind === 'sequencing' ? ordering(q, i) : choices(q, i);
    var last = i === total - 1;
    show([
      el('h1', { text: data.title }),
      title,
      el('progress', { className: 'quiz-bar', max: String(total), value: String(i + 1), 'aria-hidden': 'true' }),
      q.situation ? el('figure', { className: 'bubble-figure' }, [
        el('figcaption', { text: 'De klant zegt:' }),
        el('blockquote', { className: 'bubble' }, [el('p', { text: q.situation })])
      ]) : null,
      body,
      el('div', { className: 'actions' }, [
        button('Volgende', function () { go(last ? 'overzicht' : i + 1); }, true),
        i > 0 ? button('Vorige', function () { go(i - 1); }) : null,
        button('Naar het overzicht', function () { go('overzicht'); })
      ]),
      el('p', { className: 'hint', text: 'Beantwoord: ' + answered() + ' van ' + total + ' vragen. Je antwoord wordt bewaard.' })
    ], title);
  }

  function choices(q, i) {
    var type = q.multiple ? 'checkbox' : 'radio';
    var picked = state.a[i] || [];
    var field = el('fieldset', { className: 'question choices' }, [el('legend', { text: q.prompt })]);
    if (q.multiple) field.appendChild(el('p', { className: 'hint', text: 'Kies alle juiste antwoorden.' }));
    state.o[i].forEach(function (itemIndex) {
      var id = 'antwoord-' + i + '-' + itemIndex;
      var input = el('input', { type: type, name: 'antwoord-' + i, id: id, value: String(itemIndex) });
      input.checked = picked.indexOf(itemIndex) >= 0;
      input.addEventListener('change', function () {
        var chosen = Array.prototype.slice.call(field.querySelectorAll('input:checked'))
          .map(function (box) { return Number(box.value); });
        state.a[i] = chosen.length ? chosen : null;
        save(false);
      });
      field.appendChild(el('div', { className: 'choice' }, [input, el('label', { 'for': id, text: q.items[itemIndex].text })]));
    });
    return field;
  }

  function ordering(q, i) {
    var start = state.o[i];
    var order = (state.a[i] || start).slice();
    var list = el('ol', { className: 'ordering' });
    var live = el('p', { className: 'visually-hidden', 'aria-live': 'polite' });
    var field = el('fieldset', { className: 'question ordering-field' }, [
      el('legend', { text: q.prompt }),
      el('p', { className: 'hint', id: 'uitleg-volgorde', text: 'Zet de stappen in de goede volgorde. Gebruik Omhoog en Omlaag, of op de greep de pijltjestoetsen. Een lijst die je niet verandert, telt als niet beantwoord.' }),
      q.rule ? el('details', { className: 'rule' }, [el('summary', { text: 'Zo telt deze vraag' }), el('p', { text: q.rule })]) : null,
      list,
      live
    ]);
    function say(message) {
      live.textContent = '';
      window.setTimeout(function () { live.textContent = message; }, 50);
    }
    function move(itemIndex, delta, focusName) {
      var at = order.indexOf(itemIndex);
      var to = at + delta;
      var text = q.items[itemIndex].text;
      if (to < 0 || to >= order.length) {
        say("Stap '" + text + "' staat al " + (delta < 0 ? 'bovenaan.' : 'onderaan.'));
        return;
      }
      order.splice(at, 1);
      order.splice(to, 0, itemIndex);
      state.a[i] = same(order, start) ? null : order.slice();
      save(false);
      render(itemIndex, focusName);
      say("Stap '" + text + "' staat nu op plaats " + (to + 1) + ' van ' + order.length);
    }
    function render(focusItem, focusName) {
      list.textContent = '';
      order.forEach(function (itemIndex) {
        var text = q.items[itemIndex].text;
        var handle = el('button', { type: 'button', className: 'handle', 'data-name': 'greep', 'aria-label': 'Verplaats: ' + text, 'aria-describedby': 'uitleg-volgorde' });
        handle.appendChild(el('span', { 'aria-hidden': 'true', text: '\u2807\u2807' }));
        handle.addEventListener('keydown', function (e) {
          var delta = { ArrowUp: -1, ArrowDown: 1 }[e.key];
          if (!delta) return;
          e.preventDefault();
          move(itemIndex, delta, 'greep');
        });
        var up = button('Omhoog', function () { move(itemIndex, -1, 'omhoog'); }, false, 'Omhoog: ' + text);
        var down = button('Omlaag', function () { move(itemIndex, 1, 'omlaag'); }, false, 'Omlaag: ' + text);
        up.setAttribute('data-name', 'omhoog');
        down.setAttribute('data-name', 'omlaag');
        var li = el('li', { className: 'step' }, [handle, el('span', { className: 'step-text', text: text }), up, down]);
        list.appendChild(li);
        if (itemIndex === focusItem) {
          var target = li.querySelector('[data-name="' + focusName + '"]');
          if (target) target.focus();
        }
      });
    }
    render(-1, '');
    return field;
  }

  function answered() {
    return state.a.filter(function (a) { return a && a.length; }).length;
  }

  function overview() {
    var title = heading('Overzicht');
    var open = state.d.length - answered();
    var list = el('ol', { className: 'overview' });
    state.d.forEach(function (qi, i) {
      var done = state.a[i] && state.a[i].length;
      var item = button('', function () { go(i); });
      item.appendChild(el('span', { text: 'Vraag ' + (i + 1) }));
      item.appendChild(el('span', { className: done ? 'is-ok' : 'is-bad', text: done ? 'Beantwoord' : 'Niet beantwoord' }));
      list.appendChild(el('li', {}, [item]));
    });
    show([
      el('h1', { text: data.title }),
      title,
      open ? el('p', { className: 'warning', text: 'Niet beantwoord: ' + open + (open === 1 ? ' vraag' : ' vragen') + '. Een vraag zonder antwoord telt als fout.' }) : null,
      list,
      el('div', { className: 'actions' }, [button('Inleveren', handIn, true), button('Vorige', function () { go(state.d.length - 1); })])
    ], title);
  }

  /* --- Handing in and reporting -------------------------------------------------------- */

  function responseOf(q, answer) {
    return (answer || []).map(function (itemIndex) { return q.items[itemIndex].id; }).join('[,]');
  }

  function correctPattern(q) {
    return q.items.filter(function (item) { return q.kind === 'sequencing' || item.correct; })
      .map(function (item) { return item.id; }).join('[,]');
  }

  function report(scores, total, passed) {
    var percent = Math.round(total / state.d.length * 10000) / 100;
    if (!passed && passedBefore) return; /* Geslaagd stays Geslaagd, as in the app */
    if (v12) {
      lms.set('cmi.core.score.min', '0');
      lms.set('cmi.core.score.max', '100');
      lms.set('cmi.core.score.raw', String(percent));
      lms.set('cmi.core.lesson_status', passed ? 'passed' : 'failed');
      return;
    }
    lms.set('cmi.score.min', '0');
    lms.set('cmi.score.max', '100');
    lms.set('cmi.score.raw', String(percent));
    lms.set('cmi.score.scaled', String(Math.round(total / state.d.length * 10000) / 10000));
    lms.set('cmi.completion_status', 'completed');
    lms.set('cmi.success_status', passed ? 'passed' : 'failed');
    var base = Number(lms.get('cmi.interactions._count')) || 0;
    var when = timestamp();
    state.d.forEach(function (qi, i) {
      var q = data.questions[qi];
      var key = 'cmi.interactions.' + (base + i) + '.';
      lms.set(key + 'id', 'urn:klantwijs:' + data.slug + ':' + q.id);
      lms.set(key + 'type', q.kind);
      lms.set(key + 'description', q.prompt.slice(0, 250));
      lms.set(key + 'timestamp', when);
      lms.set(key + 'weighting', '1');
      if (state.a[i] && state.a[i].length) lms.set(key + 'learner_response', responseOf(q, state.a[i]));
      lms.set(key + 'correct_responses.0.pattern', correctPattern(q));
      lms.set(key + 'result', scores[i] === 1 ? 'correct' : 'incorrect');
    });
  }

  function handIn() {
    var scores = state.d.map(function (qi, i) { return grade(data.questions[qi], state.a[i]); });
    var total = scores.reduce(function (a, b) { return a + b; }, 0);
    var passed = state.d.length > 0 && total / state.d.length * 100 >= data.passMark - 1e-9;
    state.s = 'uitslag';
    state.r = { p: Math.round(total * 10000) / 10000, ok: passed ? 1 : 0 };
    if (passed) state.best = 1;
    report(scores, total, passed);
    if (passed) passedBefore = true;
    save(true);
    result();
  }

  function result() {
    var total = state.d.length;
    var percent = Math.round(state.r.p / total * 100);
    var title = heading('Uitslag');
    var nodes = [
      el('h1', { text: data.title }),
      title,
      el('div', { className: 'score-card ' + (state.r.ok ? 'is-passed' : 'is-failed') }, [
        el('p', { className: 'score', text: 'Score: ' + points(state.r.p) + ' van ' + total + ' (' + percent + '%)' }),
        el('p', { text: state.r.ok ? 'Geslaagd. Goed gedaan!' : 'Niet geslaagd. Je hebt ' + data.passMark + '% nodig. Probeer het gerust nog eens.' })
      ]),
      el('div', { className: 'actions' }, [
        button('Opnieuw proberen', function () { draw(); save(true); question(0); }, !state.r.ok),
        button('Terug naar de les', toLesson)
      ])
    ];
    state.d.forEach(function (qi, i) { nodes.push(review(data.questions[qi], i)); });
    show(nodes, title);
  }

  function review(q, i) {
    var answer = state.a[i] || [];
    var score = grade(q, answer);
    var verdict = score === 1 ? 'Goed' : score === 0 ? 'Fout' : 'Deels goed';
    var box = el('section', { className: 'review card' }, [
      el('h3', { text: 'Vraag ' + (i + 1) + ': ' + verdict }),
      q.situation ? el('p', { text: 'De klant zegt: \u201c' + q.situation + '\u201d' }) : null,
      el('p', { text: q.prompt })
    ]);
    if (q.kind === 'sequencing') {
      if (answer.length) {
        box.appendChild(el('p', { text: 'Jouw volgorde:' }));
        var mine = el('ol');
        answer.forEach(function (itemIndex, place) {
          var ok = itemIndex === place;
          mine.appendChild(el('li', { className: ok ? 'is-ok' : 'is-bad', text: q.items[itemIndex].text + ' \u2014 ' + (ok ? 'Goed' : 'Fout, hoort op plaats ' + (itemIndex + 1)) }));
        });
        box.appendChild(mine);
      } else {
        box.appendChild(el('p', { text: 'Je hebt de stappen niet verplaatst. Daarom telt deze vraag als niet beantwoord.' }));
      }
      box.appendChild(el('p', { text: 'De goede volgorde:' }));
      var right = el('ol');
      q.items.forEach(function (item) {
        right.appendChild(el('li', {}, [el('strong', { text: item.text }), item.feedback ? el('span', { className: 'feedback', text: item.feedback }) : null]));
      });
      box.appendChild(right);
      return box;
    }
    if (answer.length) {
      box.appendChild(el('p', { text: 'Jouw antwoord:' }));
      var chosen = el('ul');
      answer.forEach(function (itemIndex) {
        var item = q.items[itemIndex];
        chosen.appendChild(el('li', { className: item.correct ? 'is-ok' : 'is-bad' }, [
          el('span', { className: 'verdict', text: (item.correct ? 'Goed' : 'Fout') + ': ' }),
          el('span', { text: item.text }),
          el('span', { className: 'feedback', text: item.feedback })
        ]));
      });
      box.appendChild(chosen);
    } else {
      box.appendChild(el('p', { text: 'Niet beantwoord.' }));
    }
    var good = q.items.filter(function (item) { return item.correct; });
    box.appendChild(el('p', { text: good.length > 1 ? 'De goede antwoorden:' : 'Het goede antwoord:' }));
    box.appendChild(el('ul', {}, good.map(function (item) { return el('li', { text: item.text }); })));
    return box;
  }

  /* --- Moving between screens ---------------------------------------------------------- */

  function go(where) {
    if (where === 'overzicht') { state.s = 'overzicht'; save(true); overview(); return; }
    state.s = 'vraag';
    state.n = where;
    save(true);
    question(where);
  }

  function toLesson() {
    quiz.hidden = true;
    lesson.hidden = false;
    startButton.textContent = state.s === 'uitslag' || state.s === 'les' ? 'Start de toets' : 'Ga verder met de toets';
    window.scrollTo(0, 0);
    startButton.focus();
  }

  startButton.hidden = false;
  startButton.addEventListener('click', function () {
    if (state.s === 'vraag' || state.s === 'overzicht') { go(state.s === 'vraag' ? state.n || 0 : 'overzicht'); return; }
    draw();
    save(true);
    question(0);
  });

  if (!lms.open) {
    statusLine.textContent = 'Geen LMS gevonden: je kunt de les lezen en de toets maken, maar je score wordt niet bewaard.';
  } else {
    var status = v12 ? lms.get('cmi.core.lesson_status') : lms.get('cmi.completion_status');
    if (status === 'not attempted' || status === 'unknown' || status === '') {
      lms.set(v12 ? 'cmi.core.lesson_status' : 'cmi.completion_status', 'incomplete');
    }
    save(true);
  }

  if (state.s === 'vraag') question(state.n || 0);
  else if (state.s === 'overzicht') overview();
  else if (state.s === 'uitslag' && state.r) result();
})();
