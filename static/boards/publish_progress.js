/* The publication's progress page: polls the run's status until it ends.
   Plain JavaScript, no library; the server words every message. */
(function () {
  "use strict";

  function start() {
    var box = document.getElementById("lb-publish");
    if (!box || box.dataset.finished === "true") {
      return;
    }
    var bar = box.querySelector("[data-role=bar]");
    var status = box.querySelector("[data-role=status]");
    var message = box.querySelector("[data-role=message]");
    var links = box.querySelector("[data-role=links]");
    var delay = 1000;

    function show(data) {
      status.textContent = data.status_label;
      message.textContent = data.message;
      bar.value = data.percent;
      bar.textContent = data.percent + "%";
      if (data.failed) {
        message.className = "lb-notice lb-notice-warning";
      }
      if (data.links && data.links.page) {
        Array.prototype.forEach.call(links.querySelectorAll("[data-link]"), function (link) {
          link.href = data.links[link.dataset.link];
        });
        links.hidden = false;
      }
    }

    function poll() {
      fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.json();
        })
        .then(function (data) {
          show(data);
          delay = 1000;
          if (!data.finished) {
            window.setTimeout(poll, delay);
          }
        })
        .catch(function () {
          delay = Math.min(delay * 2, 10000); // the server is busy or away: back off
          window.setTimeout(poll, delay);
        });
    }

    window.setTimeout(poll, 500);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
