// "Svar som användes" in the enquiry form (kundweb/templates/answers/_field.html).
//
// One keystroke clears the chosen answer: Escape in the answer search or the list (or Delete
// in the list) chooses "Inget svar", empties the search and closes the answer panel (the list's
// change event asks htmx for an empty panel). Escape with nothing chosen does nothing, so the
// browser's own Escape (clearing a search field) still works.
(function () {
  "use strict";

  function clearAnswer(list, search) {
    if (search) {
      search.value = "";
    }
    if (list.value !== "") {
      list.value = "";
      list.dispatchEvent(new Event("change", {bubbles: true}));
    }
  }

  document.addEventListener("keydown", function (event) {
    var elt = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey || !elt || (elt.id !== "answer" && elt.id !== "answer-search")) {
      return;
    }
    var list = document.getElementById("answer");
    var search = document.getElementById("answer-search");
    if (!list) {
      return;
    }
    if (event.key === "Escape" || (event.key === "Delete" && elt === list)) {
      if (list.value === "" && !(search && search.value)) {
        return;
      }
      event.preventDefault();
      clearAnswer(list, search);
    }
  });
})();
