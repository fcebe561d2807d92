/* Liangbang leader dashboard: draws the charts from the page's JSON with the ECharts
   the project serves itself (static/vendor/echarts, pinned by scripts/vendor_assets.py).
   Every label comes translated in the JSON; every bar opens the ratings behind it.
   Without JavaScript the same numbers are in the tables under each chart. */
(function () {
  "use strict";

  // A box that scrolls sideways (the traffic-light grid): a shadow on each edge with
  // more beyond it, and the hint shown only while there is more to see.
  function watchScrollBox(box) {
    var inner = box.querySelector(".db-scroll");
    var hint = document.getElementById(box.getAttribute("data-scroll-box"));
    if (!inner) {
      return;
    }
    function update() {
      var more = inner.scrollWidth - inner.clientWidth;
      var left = inner.scrollLeft > 1;
      var right = more > 1 && inner.scrollLeft < more - 1;
      box.classList.toggle("db-more-left", left);
      box.classList.toggle("db-more-right", right);
      if (hint) {
        hint.classList.toggle("db-on", more > 1);
        hint.classList.toggle("db-off", more <= 1);
      }
    }
    inner.addEventListener("scroll", update, { passive: true });
    window.addEventListener("resize", update);
    update();
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-scroll-box]"), watchScrollBox);

  var node = document.getElementById("dashboard-data");
  if (!node || !window.echarts) {
    return;
  }
  var data = JSON.parse(node.textContent);
  var css = getComputedStyle(document.documentElement);
  function cssVar(name, fallback) {
    var value = css.getPropertyValue(name).trim();
    return value || fallback;
  }
  var FONT = cssVar("--db-font", "sans-serif");
  var COLOURS = {
    red_flag: cssVar("--db-flag", "#e0443a"),
    yellow_light: cssVar("--db-yellow", "#f2b705"),
    red_light: cssVar("--db-red", "#8e0a14"),
    flags: "#f0a29c",
    lights: "#a0676b"
  };
  var charts = [];

  function draw(id, option, urls) {
    var element = document.getElementById(id);
    if (!element) {
      return;
    }
    element.textContent = "";
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    chart.setOption(option);
    chart.on("click", function (params) {
      var series = urls[params.seriesIndex] || [];
      var url = series[params.dataIndex];
      if (url) {
        window.location.href = url;
      }
    });
    charts.push(chart);
  }

  function base() {
    return {
      textStyle: { fontFamily: FONT },
      aria: { enabled: true },
      animationDuration: 300,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, left: 0, itemWidth: 14, itemHeight: 10, textStyle: { fontFamily: FONT } },
      grid: { left: 8, right: 12, top: 48, bottom: 4, containLabel: true }
    };
  }

  function monthly(m) {
    var option = base();
    var urls = [];
    option.xAxis = { type: "category", data: m.months, axisTick: { alignWithLabel: true } };
    option.yAxis = { type: "value", minInterval: 1 };
    option.series = [];
    m.series.forEach(function (s) {
      option.series.push({
        name: s.name, type: "bar", stack: s.stack, data: s.data, barMaxWidth: 26, cursor: "pointer",
        itemStyle: { color: COLOURS[s.kind] }, emphasis: { focus: "series" }
      });
      urls.push(s.urls);
    });
    m.previous.forEach(function (s) {
      option.series.push({
        name: s.name, type: "line", data: s.data, symbol: "circle", symbolSize: 6, cursor: "pointer",
        itemStyle: { color: COLOURS[s.kind] }, lineStyle: { type: "dashed", width: 1.5, color: COLOURS[s.kind] }
      });
      urls.push(s.urls);
    });
    draw("db-chart-monthly", option, urls);
  }

  function categories(c) {
    var option = base();
    var urls = [];
    var escape = window.echarts.format.encodeHTML;
    option.tooltip.formatter = function (items) {
      // Category names are typed by the office: escaped, as the tooltip is HTML.
      var lines = [items.length ? escape(items[0].axisValueLabel) : ""];
      items.forEach(function (item) {
        var counts = c.series[item.seriesIndex].counts[item.dataIndex];
        lines.push(item.marker + escape(item.seriesName) + " " + escape(data.words.perUnit) + " " + item.value +
          "（" + counts + "）");
      });
      return lines.join("<br>");
    };
    option.xAxis = { type: "category", data: c.names, axisLabel: { interval: 0, hideOverlap: true } };
    option.yAxis = { type: "value" };
    option.series = c.series.map(function (s) {
      urls.push(s.urls);
      return {
        name: s.name, type: "bar", data: s.data, barMaxWidth: 22, cursor: "pointer",
        itemStyle: { color: COLOURS[s.kind] }, emphasis: { focus: "series" }
      };
    });
    draw("db-chart-categories", option, urls);
  }

  monthly(data.monthly);
  categories(data.categories);

  var pending = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(function () {
      charts.forEach(function (chart) { chart.resize(); });
    }, 150);
  });
})();
