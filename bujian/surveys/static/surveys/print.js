// The print button of the printable questionnaire.
document.getElementById("print-button").addEventListener("click", function () {
  "use strict";
  window.print();
});
