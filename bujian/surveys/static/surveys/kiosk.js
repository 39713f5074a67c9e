// The kiosk tablet goes back to its first screen when a resident walks away in the
// middle of the questionnaire: after <body data-idle-reset="URL" data-idle-seconds="N">
// seconds without a touch or a key. Nothing is sent; the half-filled answers are lost.
(function () {
  "use strict";
  var body = document.body;
  var target = body.getAttribute("data-idle-reset");
  var seconds = parseInt(body.getAttribute("data-idle-seconds") || "0", 10);
  if (!target || !seconds) {
    return;
  }
  var timer = null;
  function arm() {
    if (timer !== null) {
      window.clearTimeout(timer);
    }
    timer = window.setTimeout(function () {
      window.location.assign(target);
    }, seconds * 1000);
  }
  ["pointerdown", "keydown", "input", "scroll"].forEach(function (name) {
    window.addEventListener(name, arm, { passive: true });
  });
  arm();
})();
