/* doorstep staff console for cases: keyboard shortcuts and small htmx helpers.
   Worklists: j/k move between rows, Enter opens, x selects, b goes to the bulk action,
   / searches, 1–8 switch lists. Case page: one letter per action button (data-key), c the
   category, l back to the list, Esc closes a form. ? shows the help everywhere. */
(function () {
  "use strict";

  function typing(el) {
    if (!el) return false;
    if (el.isContentEditable) return true;
    if (el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
    if (el.tagName !== "INPUT") return false;
    return !/^(checkbox|radio|button|submit|reset)$/.test(el.type);
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-row]"));
  }

  function currentRow() {
    var active = document.activeElement;
    var row = active && active.closest ? active.closest("[data-row]") : null;
    return row || document.querySelector("[data-row].is-current");
  }

  function move(step) {
    var list = rows();
    if (!list.length) return;
    var i = list.indexOf(currentRow());
    if (i < 0) i = step > 0 ? -1 : list.length;
    i = Math.max(0, Math.min(list.length - 1, i + step));
    list.forEach(function (r) { r.classList.remove("is-current"); });
    var row = list[i];
    row.classList.add("is-current");
    var link = row.querySelector("a.case-link") || row.querySelector("a, button, input");
    if (link) link.focus();
    if (row.scrollIntoView) row.scrollIntoView({ block: "nearest" });
  }

  function toggleRow() {
    var row = currentRow();
    var box = row && row.querySelector("input[type=checkbox][name=case]");
    if (box) {
      box.checked = !box.checked;
      box.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  function toggleHelp() {
    var help = document.getElementById("keys");
    if (!help) return;
    help.open = !help.open;
    if (help.open) help.querySelector("summary").focus();
  }

  function closePanel() {
    var panel = document.getElementById("action-panel");
    if (!panel || !panel.firstElementChild) return false;
    var action = panel.querySelector("[data-action-form]");
    var name = action && action.getAttribute("data-action-form");
    panel.innerHTML = "";
    var button = name && document.querySelector('[data-action="' + name + '"]');
    if (button) button.focus();
    return true;
  }

  function updateBulk() {
    var form = document.getElementById("bulk-form");
    if (!form) return;
    var n = form.querySelectorAll("input[name=case]:checked").length;
    var out = form.querySelector("[data-selected-count]");
    if (out) out.textContent = n ? "（" + n + "）" : "";
    form.querySelectorAll("[data-row]").forEach(function (r) {
      var box = r.querySelector("input[name=case]");
      r.classList.toggle("is-selected", !!(box && box.checked));
    });
    var select = form.querySelector("[data-bulk-action]");
    var chosen = select ? select.value : "";
    form.querySelectorAll(".bulk-extra").forEach(function (el) {
      el.hidden = !!chosen && el.getAttribute("data-for") !== chosen;
      if (!chosen) el.hidden = true;
    });
  }

  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t.matches && t.matches("[data-select-all]")) {
      document.querySelectorAll("#bulk-form input[name=case]").forEach(function (b) { b.checked = t.checked; });
    }
    if (t.closest && t.closest("#bulk-form")) updateBulk();
  });

  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    var key = e.key;
    if (key === "Escape") {
      if (closePanel()) e.preventDefault();
      return;
    }
    if (typing(e.target)) return;
    if (key === "?") { e.preventDefault(); toggleHelp(); return; }
    if (document.querySelector("[data-row]")) {
      if (key === "j") { e.preventDefault(); move(1); return; }
      if (key === "k") { e.preventDefault(); move(-1); return; }
      if (key === "x" && document.getElementById("bulk-form")) { e.preventDefault(); toggleRow(); return; }
    }
    if (key === "/") {
      var search = document.querySelector("[data-search]");
      if (search) { e.preventDefault(); search.focus(); search.select(); }
      return;
    }
    if (key === "b") {
      var action = document.querySelector("[data-bulk-action]");
      if (action) { e.preventDefault(); action.focus(); }
      return;
    }
    if (/^[1-8]$/.test(key)) {
      var tabs = document.querySelectorAll(".tabs a");
      var tab = tabs[Number(key) - 1];
      if (tab) { e.preventDefault(); tab.click(); }
      return;
    }
    if (key === "l") {
      var back = document.querySelector("[data-key-back]");
      if (back) { e.preventDefault(); back.click(); }
      return;
    }
    var target = document.querySelector('[data-key-target="' + key + '"]');
    if (target) { e.preventDefault(); target.focus(); return; }
    var button = document.querySelector('[data-key="' + key + '"]');
    if (button) { e.preventDefault(); button.click(); }
  });

  // After a swap: focus the form's first field (or its button), else a notice, else the results.
  document.addEventListener("htmx:afterSettle", function () {
    var panel = document.getElementById("action-panel");
    var focus = panel && panel.querySelector("[autofocus]");
    if (!focus && panel && panel.firstElementChild) focus = panel.querySelector("input:not([type=hidden]), select, textarea, button");
    focus = focus || document.querySelector("[data-focus-me]") || document.querySelector("[data-results]");
    if (focus && focus !== document.activeElement) focus.focus();
    updateBulk();
  });

  // Forms answered with 400/409 carry the page with the error and the typed text: show it.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var status = e.detail.xhr.status;
    if (status === 400 || status === 409) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });

  function ready() {
    // On a desk the filter fields are always in view; on a phone they fold away until needed.
    if (window.matchMedia && window.matchMedia("(min-width: 721px)").matches) {
      document.querySelectorAll("details[data-open-wide]").forEach(function (d) { d.open = true; });
    }
    updateBulk();
    var first = document.querySelector("[data-focus-me]") || document.querySelector("[data-results]");
    if (first) first.focus();
    document.documentElement.dataset.keysReady = "1"; // the shortcuts listen from here on
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
