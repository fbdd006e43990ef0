// The directory's keyboard and form helpers (loaded only on directory pages; the CSP allows no inline script).
//
// Search: from the search field, Arrow Down moves to the first hit's link, Arrow Up/Down
// move between hits, Arrow Up from the first hit (or Escape) goes back to the field;
// Enter follows the focused link as links always do. Focus moves between real links
// rather than a listbox with aria-activedescendant because each hit holds a link (an
// option may not) and the same list must work without JavaScript.
//
// Contact form: the validation-as-you-type answer marks its field aria-invalid, and a
// swapped-in notice marked data-focus-after-swap gets the focus so it is heard.
(function () {
  "use strict";

  function hitLinks() {
    return Array.prototype.slice.call(document.querySelectorAll("#answer-hits .hit__link, #directory-hits .hit__link"));
  }

  document.addEventListener("keydown", function (event) {
    var field = document.getElementById("directory-q");
    if (!field || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    var links = hitLinks();
    var index = links.indexOf(document.activeElement);
    if (event.target === field && event.key === "ArrowDown" && links.length) {
      event.preventDefault();
      links[0].focus();
    } else if (index >= 0 && event.key === "ArrowDown") {
      event.preventDefault();
      links[Math.min(index + 1, links.length - 1)].focus();
    } else if (index >= 0 && event.key === "ArrowUp") {
      event.preventDefault();
      (index === 0 ? field : links[index - 1]).focus();
    } else if (index >= 0 && event.key === "Escape") {
      event.preventDefault();
      field.focus();
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target.classList.contains("field__feedback")) {
      var input = document.querySelector('[aria-describedby~="' + target.id + '"]');
      if (input) {
        input.setAttribute("aria-invalid", target.querySelector("[data-invalid]") ? "true" : "false");
        input.closest(".field").classList.toggle("field--error", !!target.querySelector("[data-invalid]"));
      }
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    if (!event.detail.target || event.detail.target.id !== "entry-editor") {
      return;
    }
    var notice = document.querySelector("#entry-editor [data-focus-after-swap]");
    if (notice) {
      notice.removeAttribute("data-focus-after-swap");
      notice.focus();
    }
  });
})();
