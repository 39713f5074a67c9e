// Small behaviours shared by every page, without inline scripts (the Content-Security-
// Policy allows scripts from this server only):
//   <button data-print>            prints the page
//   <form data-confirm="Sure?">    asks before submitting
//   <body data-autoprint>          prints once the page has loaded (thermal tickets)
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) {
      event.preventDefault();
      window.print();
    }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
  window.addEventListener("load", function () {
    if (document.body && document.body.hasAttribute("data-autoprint")) {
      window.setTimeout(function () { window.print(); }, 150);
    }
  });
})();
