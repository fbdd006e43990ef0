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
})();
