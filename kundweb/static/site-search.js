// The directory search on every agent page (templates/_site_search.html), loaded for agents only.
//
// Shortcuts: "/" (when the agent is not typing in a field) and Alt+S put the focus in the
// page's search field, the one marked data-search-shortcut: the header's box, the agent
// start page's, or the directory search page's own. Its text is selected, so the next
// caller's name replaces the last one's.
//
// Hits: htmx fills the box's results as the agent types. They show while the search has
// the focus; Escape, a click or a focus elsewhere closes them (and a failed search's
// message). Arrow Down from the field goes to the first hit's link, Arrow Up/Down move
// between the links, Arrow Up from the first goes back to the field, Enter follows a link
// as links do; Tab walks them too. As on the directory page, focus moves between real
// links rather than a listbox with aria-activedescendant: each hit holds a link, and the
// list must work without JavaScript. Enter in the field submits the form: the full results
// page.
(function () {
  "use strict";

  var NOT_TYPED_IN = /^(button|checkbox|radio|submit|reset|file|image|range|color)$/i;

  function typingIn(element) {
    if (!element || !element.tagName) {
      return false;
    }
    if (element.isContentEditable || element.tagName === "TEXTAREA" || element.tagName === "SELECT") {
      return true;
    }
    return element.tagName === "INPUT" && !NOT_TYPED_IN.test(element.type);
  }

  function isShortcut(event) {
    if (event.ctrlKey || event.metaKey || event.isComposing) {
      return false;
    }
    if (event.altKey) {
      // event.code: Alt+S gives "ß" or "š" as the key on some layouts.
      return event.code === "KeyS" || event.key === "s" || event.key === "S";
    }
    return event.key === "/" && !typingIn(event.target);
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || !isShortcut(event)) {
      return;
    }
    var field = document.querySelector("[data-search-shortcut]");
    if (!field) {
      return;
    }
    event.preventDefault();
    field.focus();
    field.select();
    open(searchOf(field));
  });

  function searchOf(element) {
    var form = element && element.closest ? element.closest("[data-site-search]") : null;
    if (!form) {
      return null;
    }
    return {form: form, field: form.querySelector("[data-search-shortcut]"),
            results: form.querySelector(".site-search__results")};
  }

  function open(search) {
    if (search && search.results) {
      search.results.hidden = !search.results.firstElementChild;
    }
  }

  function close(search) {
    if (search && search.results) {
      search.results.hidden = true;
      // A failed search's message (app.js) lies over the page like the hits: it goes with them.
      var failures = search.form.querySelectorAll(".request-failure");
      for (var i = 0; i < failures.length; i++) {
        failures[i].remove();
      }
    }
  }

  function closeAll(except) {
    var forms = document.querySelectorAll("[data-site-search]");
    for (var i = 0; i < forms.length; i++) {
      if (forms[i] !== except) {
        close(searchOf(forms[i]));
      }
    }
  }

  // The arrow keys walk the hits' own links, one per hit (as on the directory page); Tab reaches
  // every other link too ("logga som vidarekopplat hit", a unit's functions, "visa sökningen").
  function links(search) {
    return Array.prototype.slice.call(search.results.querySelectorAll("a.hit__link"));
  }

  // New hits: shown if the agent is still in the search (a late answer does not pop up elsewhere).
  document.addEventListener("htmx:afterSwap", function (event) {
    var search = searchOf(event.detail.target);
    if (search && event.detail.target === search.results && search.form.contains(document.activeElement)) {
      open(search);
    }
  });

  document.addEventListener("focusin", function (event) {
    var search = searchOf(event.target);
    closeAll(search && search.form);
    if (search && event.target === search.field) {
      open(search);
    }
  });

  // A click inside the hits (to select a number and copy it) keeps them; anywhere else closes them.
  document.addEventListener("pointerdown", function (event) {
    var search = searchOf(event.target);
    closeAll(search && search.form);
  });

  document.addEventListener("keydown", function (event) {
    var search = searchOf(event.target);
    if (!search || !search.results || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    var all = links(search);
    var index = all.indexOf(event.target);
    var inField = event.target === search.field;
    if (event.key === "Escape" && (inField || search.results.contains(event.target))) {
      if (inField && search.results.hidden && !search.form.querySelector(".request-failure")) {
        return;  // the browser's own Escape in a search field: it clears the text
      }
      event.preventDefault();
      search.field.focus();  // first: the field opens the hits when it gets the focus
      close(search);
    } else if (event.key === "ArrowDown" && inField && all.length) {
      event.preventDefault();
      open(search);
      all[0].focus();
    } else if (event.key === "ArrowDown" && index >= 0) {
      event.preventDefault();
      all[Math.min(index + 1, all.length - 1)].focus();
    } else if (event.key === "ArrowUp" && index >= 0) {
      event.preventDefault();
      (index === 0 ? search.field : all[index - 1]).focus();
    }
  });
})();
