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

  // Requests that fail. htmx swaps no 4xx/5xx answer (see base.html) and gives up after
  // htmx.config.timeout, so without this a failed save would look as if nothing happened and
  // the agent would move on. The message goes next to the form (or the element that asked),
  // in an alert; the form keeps what was typed, because nothing was swapped. "Försök igen"
  // sends the same form again with the same hidden submission key, so a save that did get
  // through after all (a timeout while the server still waited for a lock) is not made twice.
  function failureReason(kind, status) {
    if (kind === "timeout") {
      return "Kundweb svarade inte inom " + Math.round(htmx.config.timeout / 1000) + " sekunder.";
    }
    if (kind === "network") {
      return "Webbläsaren kunde inte nå Kundweb: nätverket eller servern svarar inte.";
    }
    switch (status) {
      case 503: return "Kundweb når inte databasen just nu.";
      case 400: return "Formuläret hade gått ut. Ladda om sidan och fyll i det igen.";
      case 401:
      case 403: return "Du är utloggad eller saknar behörighet. Ladda om sidan.";
      case 413: return "Det som skickades är för stort.";
      case 429: return "För många försök på kort tid. Vänta en stund.";
      default: return "Servern svarade med ett fel (felkod " + status + ").";
    }
  }

  function failureText(kind, status, verb, elt) {
    var reason = failureReason(kind, status);
    if (verb === "get") {
      return "Innehållet kunde inte hämtas. " + reason + " Försök igen om en stund.";
    }
    if (kind === "timeout") {
      // The server may still finish the save; only a submission key makes the retry safe to promise.
      var keyed = elt.querySelector && elt.querySelector("input[name='submission_key']");
      return "Det är inte sparat ännu. " + reason + " Det du skrev finns kvar. " + (keyed
        ? "Tryck Försök igen: hann det sparas ändå, sparas det inte två gånger."
        : "Kontrollera om det hann sparas innan du försöker igen.");
    }
    return "Det är inte sparat. " + reason + " Det du skrev finns kvar, försök igen.";
  }

  function removeFailure(elt) {
    var next = elt.nextElementSibling;
    if (next && next.classList.contains("request-failure")) {
      next.remove();
    }
  }

  function retryRequest(elt, requestConfig) {
    if (elt.tagName === "FORM") {
      var submitter = requestConfig.triggeringEvent && requestConfig.triggeringEvent.submitter;
      elt.requestSubmit(submitter && submitter.form === elt ? submitter : undefined);
    } else {
      htmx.ajax(requestConfig.verb, requestConfig.path, {source: elt});
    }
  }

  function showFailure(kind, event) {
    var elt = event.detail.elt;
    var requestConfig = event.detail.requestConfig;
    // A poll tries again by itself at its next turn: no message for that.
    if (!elt || !requestConfig || /^\s*every\s/.test(elt.getAttribute("hx-trigger") || "")) {
      return;
    }
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    var verb = (requestConfig.verb || "get").toLowerCase();
    removeFailure(elt);
    var region = document.createElement("div");
    region.className = "notice notice--error request-failure";
    region.setAttribute("role", "alert");
    elt.insertAdjacentElement("afterend", region);
    var text = document.createElement("p");
    text.textContent = failureText(kind, status, verb, elt);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button";
    button.textContent = "Försök igen";
    button.addEventListener("click", function () {
      region.remove();
      retryRequest(elt, requestConfig);
    });
    region.appendChild(text);
    region.appendChild(button);
    // After a save, the focus was on what saved it: move it to the retry, so Enter tries again.
    // A search-as-you-type keeps the focus where the person is typing.
    if (verb !== "get") {
      button.focus();
    }
  }

  document.addEventListener("htmx:responseError", function (event) { showFailure("response", event); });
  document.addEventListener("htmx:sendError", function (event) { showFailure("network", event); });
  document.addEventListener("htmx:timeout", function (event) { showFailure("timeout", event); });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful && event.detail.elt && event.detail.elt.isConnected) {
      removeFailure(event.detail.elt);
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

  // What Spara would save, written beside the button ("Sparas som: Telefon · Bygglov · …") and
  // kept in step with the form, so a wrong channel or category is seen before Enter.
  function checkedLabel(form, name) {
    var input = form.querySelector("input[name='" + name + "']:checked");
    var label = input && form.querySelector("label[for='" + input.id + "']");
    return label ? label.textContent.trim() : "";
  }
  function selectedText(select) {
    var option = select && select.value ? select.options[select.selectedIndex] : null;
    return option ? option.textContent.trim() : "";
  }
  function describeEnquiry(form) {
    var summary = form.querySelector("[data-enquiry-summary]");
    if (!summary) {
      return;
    }
    var outcome = checkedLabel(form, "outcome");
    var target = selectedText(form.querySelector("select[name='target']"));
    var checkedOutcome = form.querySelector("input[name='outcome']:checked");
    if (checkedOutcome && checkedOutcome.value === "forwarded" && target) {
      outcome += " till " + target;
    }
    var caller = selectedText(form.querySelector("select[name='callback_assignee']"));
    if (checkedOutcome && checkedOutcome.value === "callback" && caller) {
      outcome += ": " + caller + " ringer upp";
    }
    var parts = [[checkedLabel(form, "channel"), "Välj kanal"],
                 [selectedText(form.querySelector("select[name='category']")), "Välj kategori"],
                 [outcome, "Välj utfall"]];
    summary.textContent = "";
    parts.forEach(function (part, index) {
      if (index) {
        summary.appendChild(document.createTextNode(" · "));
      }
      var span = document.createElement("span");
      span.textContent = part[0] || part[1];
      if (!part[0]) {
        span.className = "enquiry-summary__missing";
      }
      summary.appendChild(span);
    });
  }
  function enquiryFormOf(elt) {
    var form = elt && (elt.form || (elt.closest ? elt.closest("form") : null));
    return form && form.hasAttribute("data-enter-saves") ? form : null;
  }
  document.addEventListener("change", function (event) {
    var form = enquiryFormOf(event.target);
    if (form) {
      describeEnquiry(form);
    }
  });

  // A form left idle (ENQUIRY_FRESH_AFTER_MINUTES) starts afresh: the last channel is cleared
  // and gets the focus, as on a freshly loaded page. The next caller is most likely someone
  // else, whom one Enter must not log under the last call's channel. Checked both by a timer
  // and at the next key, since a sleeping or hidden tab may run its timers late.
  var lastActive = Date.now();
  var freshTimer = null;
  function idleForm() {
    return document.querySelector("form[data-fresh-after-ms]");
  }
  function freshAfterMs(form) {
    return parseInt(form.getAttribute("data-fresh-after-ms"), 10) || 0;
  }
  function isIdle(form) {
    var limit = freshAfterMs(form);
    return limit > 0 && Date.now() - lastActive >= limit;
  }
  function noteActivity() {
    lastActive = Date.now();
    clearTimeout(freshTimer);
    var form = idleForm();
    if (form && freshAfterMs(form) > 0) {
      freshTimer = setTimeout(function () {
        var current = idleForm();
        if (current && isIdle(current)) {
          startAfresh(current);
        }
      }, freshAfterMs(form) + 50);
    }
  }
  function startAfresh(form) {
    var radios = form.querySelectorAll("input[name='channel']");
    for (var i = 0; i < radios.length; i++) {
      radios[i].checked = false;
    }
    describeEnquiry(form);
    var active = document.activeElement;
    if (radios.length && (!active || active === document.body || form.contains(active))) {
      radios[0].focus();
    }
    noteActivity();
  }
  document.addEventListener("keydown", function (event) {
    var form = enquiryFormOf(event.target);
    if (!form) {
      return;
    }
    if (form.hasAttribute("data-fresh-after-ms") && isIdle(form)) {
      startAfresh(form);
      if (event.key === "Enter") {  // this Enter was meant for the old values: it saves nothing
        event.preventDefault();
        event.stopImmediatePropagation();
      }
      return;
    }
    noteActivity();
  }, true);
  document.addEventListener("input", function (event) {
    if (enquiryFormOf(event.target)) {
      noteActivity();
    }
  });
  document.addEventListener("htmx:load", function (event) {
    var root = event.detail.elt;
    var form = enquiryFormOf(root) || (root.querySelector ? root.querySelector("form[data-enter-saves]") : null);
    if (form) {
      describeEnquiry(form);
      if (root.contains && root.contains(form)) {  // the page, or the whole form anew
        noteActivity();
      }
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful && enquiryFormOf(event.detail.elt)) {
      noteActivity();
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
