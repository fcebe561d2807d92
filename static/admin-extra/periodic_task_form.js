/* django-celery-beat's periodic task form: under the crontab field, show the chosen
   schedule in words (what the library's inline script does, as a file so that the
   Content-Security-Policy needs no inline script). */
(function () {
  "use strict";

  function start() {
    var data = document.getElementById("readable-crontabs");
    var select = document.getElementById("id_crontab");
    var help = document.querySelector(".field-crontab .help");
    var translation = document.querySelector(".field-crontab_translation");
    if (translation) {
      translation.style.display = "none";
    }
    if (!data || !select || !help) {
      return;
    }
    var readable = JSON.parse(data.textContent);
    var original = help.textContent;

    function update() {
      var words = readable[select.value];
      help.textContent = original;
      if (words) {
        help.appendChild(document.createElement("br"));
        help.appendChild(document.createTextNode(words));
      }
    }

    if (window.django && window.django.jQuery) {
      // Through jQuery: the related-object popups change the select with jQuery's trigger.
      window.django.jQuery(select).on("change", update);
    } else {
      select.addEventListener("change", update);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
