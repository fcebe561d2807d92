/* A background run's progress page (the year-end roll-up, a board's publication):
   polls the run's status until it ends. Plain JavaScript, no library; the server
   words every message. The box carries data-run-progress and data-status-url; its
   [data-role=done] part shows once the run succeeded, with any [data-link=name]
   pointed at the status's links[name]. */
(function () {
  "use strict";

  function start() {
    var box = document.querySelector("[data-run-progress]");
    if (!box || box.dataset.finished === "true") {
      return;
    }
    var bar = box.querySelector("[data-role=bar]");
    var status = box.querySelector("[data-role=status]");
    var message = box.querySelector("[data-role=message]");
    var done = box.querySelector("[data-role=done]");
    var delay = 1000;

    function show(data) {
      status.textContent = data.status_label;
      message.textContent = data.message;
      if (data.finished || data.total !== 0) { // a run without a count reports steps as percent
        bar.value = data.percent;
        bar.textContent = data.percent + "%";
      } else {
        bar.removeAttribute("value"); // still counting: an indeterminate bar
      }
      if (data.failed) {
        message.className = "lb-notice lb-notice-warning";
      }
      if (data.finished && !data.failed) {
        Array.prototype.forEach.call(done.querySelectorAll("[data-link]"), function (link) {
          if (data.links && data.links[link.dataset.link]) {
            link.href = data.links[link.dataset.link];
          }
        });
        done.hidden = false;
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
