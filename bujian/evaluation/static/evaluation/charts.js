/* Charts of the leadership dashboard, drawn with the vendored Chart.js (no CDN).
 * The numbers come from <script id="eval-chart-data" type="application/json">; each
 * <canvas data-chart="NAME" data-kind="bar|hbar"> draws the series NAME. */
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("eval-chart-data");
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var green = "#0b5d3b";
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var series = data[canvas.dataset.chart];
      if (!series || !series.values.length) {
        canvas.parentElement.classList.add("eval-chart--empty");
        return;
      }
      var horizontal = canvas.dataset.kind === "hbar";
      var valueAxis = { beginAtZero: true };
      // Every agency's name on its bar: a skipped label would leave a bar unnamed.
      var categoryAxis = { ticks: { autoSkip: false } };
      if (canvas.dataset.max) {
        valueAxis.max = Number(canvas.dataset.max);
      }
      new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: series.labels,
          datasets: [{ label: canvas.dataset.label, data: series.values, backgroundColor: green }],
        },
        options: {
          indexAxis: horizontal ? "y" : "x",
          maintainAspectRatio: false,
          animation: false,
          plugins: { legend: { display: false } },
          scales: horizontal ? { x: valueAxis, y: categoryAxis } : { y: valueAxis, x: categoryAxis },
        },
      });
      canvas.dataset.drawn = "true";
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
