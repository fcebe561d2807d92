/* The rating form (认定): the criterion follows the kind, and 造成较大影响 shows only
   for a yellow light. A static file (the Content-Security-Policy allows no inline script);
   without it the form still works and the server refuses what does not fit.

   - The criterion autocomplete asks the server for the criteria of the chosen kind: a
     red flag offers red-flag criteria, a yellow or red light yellow-light ones (the
     server filters on the "kind" parameter this adds to the autocomplete's request).
   - Changing the kind between a red flag and a light clears a criterion chosen for the
     other one.
   - 造成较大影响 is hidden (and unticked) unless the kind is a yellow light. */
(function () {
  "use strict";

  var $ = window.django && window.django.jQuery;

  function kindField() {
    return document.getElementById("id_kind");
  }

  function group(kind) {
    if (!kind) {
      return "";
    }
    return kind === "red_flag" ? "red_flag" : "light";
  }

  if ($ && $.ajaxPrefilter) {
    $.ajaxPrefilter(function (options) {
      var data = typeof options.data === "string" ? options.data : "";
      var kind = kindField();
      if (!kind || !kind.value) {
        return;
      }
      if (/(^|&)field_name=criterion(&|$)/.test(data) && /(^|&)model_name=rating(&|$)/.test(data)) {
        options.data = data + "&kind=" + encodeURIComponent(kind.value);
      }
    });
  }

  function clearCriterion() {
    var criterion = document.getElementById("id_criterion");
    if (!criterion || !criterion.value) {
      return;
    }
    if ($) {
      $(criterion).val(null).trigger("change");
    } else {
      criterion.value = "";
    }
  }

  function showSeriousImpact(kind) {
    var box = document.getElementById("id_serious_impact");
    if (!box) {
      return;
    }
    var row = box.closest(".form-row") || box.parentNode;
    var yellow = kind === "yellow_light";
    row.hidden = !yellow;
    if (!yellow) {
      box.checked = false;
    }
  }

  function start() {
    var kind = kindField();
    if (!kind) {
      return; // read-only: nothing to follow
    }
    var previous = group(kind.value);
    showSeriousImpact(kind.value);
    kind.addEventListener("change", function () {
      var now = group(kind.value);
      if (previous && now !== previous) {
        clearCriterion();
      }
      previous = now;
      showSeriousImpact(kind.value);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
