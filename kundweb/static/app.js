// Kundweb's only script besides htmx. Loaded from 'self': the CSP forbids inline script.
// The crisis banner polls every few seconds. We send the ETag we have, the server answers
// 304 when nothing changed, and htmx (configured in the htmx-config meta tag) swaps nothing,
// so screen readers do not hear the same banner again and the server does no rendering.
(function () {
  "use strict";
  document.addEventListener("htmx:configRequest", function (event) {
    var etag = event.detail.elt.getAttribute("data-etag");
    if (etag) {
      event.detail.headers["If-None-Match"] = etag;
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    var etag = xhr && xhr.status === 200 && xhr.getResponseHeader("ETag");
    if (etag && event.detail.elt.hasAttribute("data-etag")) {
      event.detail.elt.setAttribute("data-etag", etag);
    }
  });

  // Enquiry logging. Controls that only work with JavaScript (the category search) are
  // hidden in the HTML and shown here, also in content htmx swaps in.
  document.addEventListener("htmx:load", function (event) {
    var root = event.detail.elt;
    var hidden = root.querySelectorAll ? root.querySelectorAll("[data-js-only]") : [];
    for (var i = 0; i < hidden.length; i++) {
      hidden[i].hidden = false;
    }
  });
  // In a form marked data-enter-saves, Enter saves from every control (lists and radio
  // buttons too), except in the category search: there it jumps to the filtered list, so
  // nothing is saved under a category the agent has not seen.
  document.addEventListener("keydown", function (event) {
    var elt = event.target;
    if (event.key !== "Enter" || event.isComposing || !elt.form || !elt.form.hasAttribute("data-enter-saves")) {
      return;
    }
    if (elt.type === "search") {
      event.preventDefault();
      var list = document.getElementById(elt.getAttribute("aria-controls"));
      if (list) {
        list.focus();
      }
    } else if (elt.tagName === "SELECT" || elt.type === "radio") {
      event.preventDefault();
      elt.form.requestSubmit();
    }
  });

  // The crisis scripts panel beside the agents' work: filtered as the agent types (accents and
  // case ignored, so "lacka" finds "läcka"), open or closed as the agent last left it, and kept
  // so when the banner poll brings a new list out of band.
  var SCRIPTS_CLOSED_KEY = "kundweb.crisisScripts.closed";
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  function filterScripts(panel) {
    var input = panel.querySelector("[data-scripts-filter]");
    var words = fold(input ? input.value : "").split(/\s+/).filter(Boolean);
    var items = panel.querySelectorAll("[data-script]");
    var shown = 0;
    for (var i = 0; i < items.length; i++) {
      var text = fold(items[i].textContent);
      var match = words.every(function (word) { return text.indexOf(word) !== -1; });
      items[i].hidden = !match;
      shown += match ? 1 : 0;
    }
    var groups = panel.querySelectorAll("[data-script-group]");
    for (var j = 0; j < groups.length; j++) {
      groups[j].hidden = !groups[j].querySelector("[data-script]:not([hidden])");
    }
    var status = panel.querySelector("[data-scripts-status]");
    if (status) {
      status.textContent = words.length ? shown + " av " + items.length + " frågor visas" : "";
    }
    panel.hidden = items.length === 0;
  }
  document.addEventListener("htmx:load", function (event) {
    var root = event.detail.elt;
    var panel = root.closest ? root.closest("[data-scripts-panel]") : null;
    panel = panel || (root.querySelector ? root.querySelector("[data-scripts-panel]") : null);
    if (!panel) {
      return;
    }
    var details = panel.querySelector("[data-scripts-details]");
    if (details && root.contains(details)) {  // the page itself, not a new list from the poll
      try {
        details.open = window.localStorage.getItem(SCRIPTS_CLOSED_KEY) !== "1";
      } catch (e) { /* storage blocked: the panel stays open */ }
    }
    filterScripts(panel);
  });
  document.addEventListener("input", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-scripts-filter")) {
      filterScripts(event.target.closest("[data-scripts-panel]"));
    }
  });
  // "toggle" does not bubble: listen in the capture phase.
  document.addEventListener("toggle", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-scripts-details")) {
      try {
        window.localStorage.setItem(SCRIPTS_CLOSED_KEY, event.target.open ? "0" : "1");
      } catch (e) { /* storage blocked: not remembered */ }
    }
  }, true);
})();
