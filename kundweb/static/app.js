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
})();
