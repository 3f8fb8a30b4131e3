// Station check-in: scan the rider's QR code with the camera where the browser can read codes
// (BarcodeDetector); typing or pasting the code always works.
(function () {
  "use strict";
  var form = document.getElementById("checkin-form");
  var button = document.getElementById("c-scan");
  if (!form || !button) return;
  document.body.dataset.checkinReady = "1";
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var video = document.getElementById("c-video");
    var error = document.getElementById("c-scan-error");
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      var look = function () {
        detector.detect(video).then(function (codes) {
          if (codes.length) {
            stream.getTracks().forEach(function (t) { t.stop(); });
            document.getElementById("c-code").value = codes[0].rawValue;
            document.getElementById("c-method").value = "scan";
            form.submit();
          } else {
            window.requestAnimationFrame(look);
          }
        }, function () { window.requestAnimationFrame(look); });
      };
      look();
    }, function () {
      error.textContent = button.dataset.failed;
      error.hidden = false;
    });
  });
})();
