// "Use my location" on the aspiration forms: fills latitude and longitude from the
// phone's GPS. Browsers give the position only on HTTPS or localhost, so the button
// stays hidden elsewhere (the field laptop's hotspot is plain HTTP).
(function () {
  "use strict";
  var button = document.querySelector("[data-locate]");
  if (!button || !navigator.geolocation || !window.isSecureContext) { return; }
  var status = document.querySelector("[data-locate-status]");
  var form = button.closest("form");
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = button.dataset.waiting;
    navigator.geolocation.getCurrentPosition(function (position) {
      form.querySelector("[name$='latitude']").value = position.coords.latitude.toFixed(6);
      form.querySelector("[name$='longitude']").value = position.coords.longitude.toFixed(6);
      status.textContent = button.dataset.done;
    }, function () {
      status.textContent = button.dataset.failed;
    }, { enableHighAccuracy: true, timeout: 15000 });
  });
})();
