// Near me: fill the form with the browser's position (WGS-84) and send it.
(function () {
  "use strict";
  var button = document.getElementById("use-location");
  var form = document.getElementById("near-form");
  var error = document.getElementById("location-error");
  if (!button || !form) return;
  function fail(text) {
    error.textContent = text;
    error.hidden = false;
  }
  button.addEventListener("click", function () {
    if (!navigator.geolocation) {
      fail(button.dataset.unsupported);
      return;
    }
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        document.getElementById("near-lng").value = pos.coords.longitude.toFixed(6);
        document.getElementById("near-lat").value = pos.coords.latitude.toFixed(6);
        document.getElementById("near-system").value = "wgs84";
        var q = document.getElementById("near-q");
        if (q) q.value = "";
        var compound = form.querySelector("input[name=compound]");
        if (compound) compound.remove();
        form.submit();
      },
      function () {
        button.disabled = false;
        fail(button.dataset.denied);
      },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
    );
  });
  button.dataset.ready = "1";
})();
