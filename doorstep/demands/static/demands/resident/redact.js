/* Draw black boxes on a photo with a mouse, a pen or a finger (Pointer Events). Boxes are kept
   in the original photo's pixels ([x, y, w, h]) and drawn in percent, so they stay in place when the
   screen is resized; the form sends them to the server, which makes the public copy. */
(function () {
  "use strict";

  function init() {
    var stage = document.getElementById("redact-stage");
    var img = document.getElementById("redact-image");
    var field = document.getElementById("redact-boxes");
    var count = document.getElementById("redact-count");
    if (!stage || !img || !field) return;
    var boxes = [];
    var start = null;
    var ghost = null;

    // The size of the photo the server counts boxes in (the upright original); the picture
    // shown is the smaller public copy of the same shape.
    function natural() {
      return {
        w: parseInt(stage.dataset.width, 10) || img.naturalWidth || img.clientWidth,
        h: parseInt(stage.dataset.height, 10) || img.naturalHeight || img.clientHeight
      };
    }

    function toPhoto(e) {
      var r = img.getBoundingClientRect();
      var n = natural();
      var x = Math.min(Math.max(e.clientX - r.left, 0), r.width);
      var y = Math.min(Math.max(e.clientY - r.top, 0), r.height);
      return { x: x * n.w / r.width, y: y * n.h / r.height };
    }

    function place(div, b) {
      var n = natural();
      div.style.left = (100 * b[0] / n.w) + "%";
      div.style.top = (100 * b[1] / n.h) + "%";
      div.style.width = (100 * b[2] / n.w) + "%";
      div.style.height = (100 * b[3] / n.h) + "%";
    }

    function rect(a, b) {
      return [Math.min(a.x, b.x), Math.min(a.y, b.y), Math.abs(a.x - b.x), Math.abs(a.y - b.y)];
    }

    function render() {
      stage.querySelectorAll(".redact-box:not(.drawing)").forEach(function (d) { d.remove(); });
      boxes.forEach(function (b) {
        var div = document.createElement("div");
        div.className = "redact-box";
        place(div, b);
        stage.appendChild(div);
      });
      field.value = JSON.stringify(boxes.map(function (b) { return b.map(Math.round); }));
      count.textContent = count.dataset.template.replace("%(n)s", boxes.length);
    }

    stage.addEventListener("pointerdown", function (e) {
      if (e.button !== undefined && e.button !== 0) return;
      e.preventDefault();
      try { stage.setPointerCapture(e.pointerId); } catch (err) { /* not an active pointer: fine */ }
      start = toPhoto(e);
      ghost = document.createElement("div");
      ghost.className = "redact-box drawing";
      stage.appendChild(ghost);
      place(ghost, [start.x, start.y, 0, 0]);
    });
    stage.addEventListener("pointermove", function (e) {
      if (!start) return;
      e.preventDefault();
      place(ghost, rect(start, toPhoto(e)));
    });
    function finish(e) {
      if (!start) return;
      var b = rect(start, toPhoto(e));
      start = null;
      if (ghost) ghost.remove();
      ghost = null;
      var n = natural();
      if (b[2] >= n.w / 200 && b[3] >= n.h / 200) boxes.push(b); // ignore taps
      render();
    }
    stage.addEventListener("pointerup", finish);
    stage.addEventListener("pointercancel", function () {
      start = null;
      if (ghost) ghost.remove();
      ghost = null;
    });
    document.getElementById("redact-undo").addEventListener("click", function () { boxes.pop(); render(); });
    document.getElementById("redact-clear").addEventListener("click", function () { boxes = []; render(); });
    if (img.complete) render(); else img.addEventListener("load", render);
    stage.dataset.ready = "1"; // drawing works from here on
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
