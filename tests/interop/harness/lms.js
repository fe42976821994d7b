/* The LMS side of the SCORM browser tests: scorm-again's runtime as window.API (1.2) or
   window.API_1484_11 (2004), with the SCO in an iframe, as an LMS launches it. */
(function () {
  'use strict';
  window.launch = function (version, scoUrl, initial) {
    var settings = { autocommit: false, logLevel: 5 };
    var api = version === '1.2' ? new window.Scorm12API(settings) : new window.Scorm2004API(settings);
    if (initial) api.loadFromJSON(initial);
    if (version === '1.2') window.API = api; else window.API_1484_11 = api;
    window.calls = [];
    ['LMSInitialize', 'LMSFinish', 'LMSCommit', 'Initialize', 'Terminate', 'Commit'].forEach(function (name) {
      api.on(name, function () { window.calls.push(name); });
    });
    document.getElementById('sco').src = scoUrl;
  };
  window.unload = function () { document.getElementById('sco').src = 'about:blank'; };
  window.cmi = function () {
    var api = window.API || window.API_1484_11;
    return JSON.parse(api.renderCMIToJSONString());
  };
})();
