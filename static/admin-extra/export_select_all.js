/* django-import-export's export page: the "select all" box ticks or clears every field
   (the library's onSelectToggleChange, attached here rather than by an inline onchange). */
(function () {
  "use strict";

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".select-toggle"), function (toggle) {
      toggle.addEventListener("change", function (event) {
        if (typeof window.onSelectToggleChange === "function") {
          window.onSelectToggleChange(event);
          return;
        }
        var boxes = document.querySelectorAll('.selectable-field-export-row input[type="checkbox"]');
        Array.prototype.forEach.call(boxes, function (box) {
          box.checked = toggle.checked;
        });
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
