/* Beheer: copy buttons, the people picker (search as you type), team-or-people choice.
   Every page works without this file; it only saves clicks. No inline script (CSP). */
(function () {
  "use strict";

  /* Copy buttons: <button data-copy="#id"> copies that field's value (or text). */
  function say(button, text) {
    var status = document.getElementById(button.getAttribute("data-copy-status"));
    if (status) { status.textContent = text; }
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext !== false) {
      return navigator.clipboard.writeText(text);
    }
    return Promise.reject(new Error("no clipboard"));
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) { return; }
    var text = "value" in source ? source.value : source.textContent;
    copyText(text).then(function () {
      say(button, "Gekopieerd.");
    }, function () {
      if (source.select) { source.focus(); source.select(); }
      say(button, "Kopiëren lukte niet: de tekst is geselecteerd, kopieer hem met Ctrl+C of lang drukken.");
    });
  });
  document.querySelectorAll("[data-copy]").forEach(function (button) { button.hidden = false; });

  /* Module toewijzen: show only the part (team or people) that was chosen. */
  var targets = document.querySelectorAll("[data-target]");
  function showTarget() {
    var chosen = document.querySelector("[data-target]:checked");
    document.querySelectorAll("[data-target-part]").forEach(function (part) {
      part.hidden = chosen ? part.getAttribute("data-target-part") !== chosen.value : false;
    });
  }
  targets.forEach(function (radio) { radio.addEventListener("change", showTarget); });
  if (targets.length) { showTarget(); }

  /* The people picker: fetch this page with ?q=&pagina= and swap the results in. */
  document.querySelectorAll("[data-picker]").forEach(function (picker) {
    var search = picker.querySelector("[data-picker-search]");
    var searched = picker.querySelector("[data-picker-searched]");
    var chosen = picker.querySelector("[data-picker-chosen]");
    var timer = null;
    var asked = 0;

    function keepChecked() {
      var list = chosen.querySelector("ul");
      picker.querySelectorAll("[data-picker-results] input[name=people]:checked").forEach(function (box) {
        list.appendChild(box.closest("li"));
      });
      var count = list.querySelectorAll("input:checked").length;
      chosen.querySelector("[data-picker-chosen-count]").textContent = count;
      chosen.hidden = list.children.length === 0;
    }

    function load(page) {
      var number = ++asked;
      var url = new URL(window.location.href);
      url.search = "";
      url.searchParams.set("q", search.value.trim());
      if (page > 1) { url.searchParams.set("pagina", page); }
      fetch(url.toString(), { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.text();
        })
        .then(function (html) {
          if (number !== asked) { return; }  // an older answer arrived late
          var fresh = new DOMParser().parseFromString(html, "text/html")
            .querySelector("[data-picker] [data-picker-results]");
          if (!fresh) { return; }
          keepChecked();
          var have = {};
          chosen.querySelectorAll("input[name=people]").forEach(function (box) { have[box.value] = true; });
          fresh.querySelectorAll("input[name=people]").forEach(function (box) {
            if (have[box.value]) { box.closest("li").remove(); }
          });
          picker.querySelector("[data-picker-results]").replaceWith(fresh);
          searched.value = search.value.trim();
        })
        .catch(function () { /* the Zoeken button still works */ });
    }

    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { load(1); }, 250);
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); clearTimeout(timer); load(1); }
    });
    picker.addEventListener("click", function (event) {
      var button = event.target.closest("button[name=actie][value=zoeken], [data-picker-page]");
      if (!button) { return; }
      event.preventDefault();
      load(Number(button.getAttribute("data-picker-page") || 1));
    });
    picker.addEventListener("change", function (event) {
      if (event.target.matches("[data-picker-all]")) {
        picker.querySelectorAll("[data-picker-results] input[name=people]").forEach(function (box) {
          box.checked = event.target.checked;
        });
      }
    });
  });
})();
