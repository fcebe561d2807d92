/* The lobby screen: turns the pages of the boards on its own and reloads itself when a
   new edition (or a correction) is published. Plain JavaScript, no library.

   - every data-interval seconds the next page (section.slide) is shown;
   - every data-poll seconds data-status-url is asked for the latest edition's key; a
     key other than data-edition means a new edition: the page reloads;
   - Space or the button pauses (WCAG 2.2.2), ← → turn pages, F or a click asks the
     browser for full screen (kiosk browsers are full screen already);
   - the pause button fades after IDLE_AFTER without a move, key or touch. */
(function () {
  "use strict";

  var IDLE_AFTER = 5000;

  function start() {
    var body = document.body;
    var slides = Array.prototype.slice.call(document.querySelectorAll(".slide"));
    var position = document.querySelector("[data-role=position]");
    var pause = document.querySelector("[data-role=pause]");
    var interval = Math.max(parseInt(body.dataset.interval, 10) || 15, 3) * 1000;
    var pollEvery = Math.max(parseInt(body.dataset.poll, 10) || 60, 5) * 1000;
    var current = 0;
    var timer = null;
    var paused = false;
    var failures = 0;

    document.documentElement.classList.add("js");

    function show(index) {
      current = (index + slides.length) % slides.length;
      slides.forEach(function (slide, i) {
        slide.hidden = i !== current;
      });
      if (position) {
        position.textContent = slides.length > 1 ? current + 1 + " / " + slides.length : "";
      }
    }

    function run() {
      window.clearInterval(timer);
      timer = null;
      if (!paused && slides.length > 1) {
        timer = window.setInterval(function () { show(current + 1); }, interval);
      }
    }

    function toggle() {
      paused = !paused;
      if (pause) {
        pause.textContent = paused ? pause.dataset.labelPlay : pause.dataset.labelPause;
        pause.setAttribute("aria-pressed", paused ? "true" : "false");
      }
      run();
    }

    function fullScreen() {
      var root = document.documentElement;
      if (!document.fullscreenElement && root.requestFullscreen) {
        root.requestFullscreen().catch(function () { /* not allowed here: fine */ });
      }
    }

    function poll() {
      var url = body.dataset.statusUrl;
      if (!url || !window.fetch) {
        return;
      }
      fetch(url, { cache: "no-store", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.json();
        })
        .then(function (data) {
          failures = 0;
          if (String(data.edition || "") !== String(body.dataset.edition || "")) {
            window.location.reload();
            return;
          }
          window.setTimeout(poll, pollEvery);
        })
        .catch(function () {
          // The network or the server is away: keep showing this edition, ask again later.
          failures += 1;
          window.setTimeout(poll, Math.min(pollEvery * Math.pow(2, failures), 10 * 60 * 1000));
        });
    }

    if (pause && slides.length > 1) {
      pause.hidden = false;
      pause.setAttribute("aria-pressed", "false");
      pause.addEventListener("click", function (event) {
        event.stopPropagation();
        toggle();
        wake();
      });
      var idle = null;
      var wake = function () {
        pause.classList.remove("is-idle");
        window.clearTimeout(idle);
        idle = window.setTimeout(function () {
          if (!paused) {
            pause.classList.add("is-idle");
          }
        }, IDLE_AFTER);
      };
      ["mousemove", "keydown", "touchstart"].forEach(function (name) {
        document.addEventListener(name, wake, { passive: true });
      });
      wake();
    }
    document.addEventListener("keydown", function (event) {
      if (event.key === " " || event.key === "Spacebar") {
        event.preventDefault();
        toggle();
      } else if (event.key === "ArrowRight") {
        show(current + 1);
        run();
      } else if (event.key === "ArrowLeft") {
        show(current - 1);
        run();
      } else if (event.key === "f" || event.key === "F") {
        fullScreen();
      }
    });
    document.addEventListener("click", fullScreen);

    show(0);
    run();
    window.setTimeout(poll, pollEvery);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
