// Draws the statistics charts of /insight with Chart.js from the data in
// <script type="application/json" id="chart-data">. A group shown as "<3"
// has no bar (its value is null) and "(<3)" in its label.
(function () {
  "use strict";
  var el = document.getElementById("chart-data");
  if (!el || !window.Chart) { return; }
  var data = JSON.parse(el.textContent);
  var colours = ["#0f5e63", "#c2410c", "#4338ca", "#15803d", "#a16207", "#9d174d", "#475569"];
  function draw(id, chart) {
    var canvas = document.getElementById(id);
    if (!canvas || !chart || !chart.labels || chart.labels.length === 0) { return; }
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: chart.labels,
        datasets: chart.series.map(function (s, i) {
          return { label: s.name, data: s.values, backgroundColor: colours[i % colours.length] };
        })
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: {
          legend: { display: chart.series.length > 1 },
          tooltip: { callbacks: { label: function (ctx) {
            return ctx.dataset.label + ": " + (ctx.raw === null ? data.labels.suppressed : ctx.raw);
          } } }
        },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  }
  draw("chart-month", data.month);
  draw("chart-group", data.group);
})();
