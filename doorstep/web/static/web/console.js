/* doorstep console: small helpers around htmx drill-down. */
(function () {
  "use strict";
  // After a drill-down swap, move keyboard focus to the new heading, so that keyboard and
  // screen-reader users continue where the content changed.
  document.addEventListener("htmx:afterSettle", function () {
    var heading = document.querySelector("#tree-panel [data-autofocus]");
    if (heading && heading !== document.activeElement) heading.focus();
  });
})();
