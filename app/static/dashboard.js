// Draws each dashboard chart from the table beside it: the table is the accessible source, the chart repeats it.
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") return;
  var palette = ["#0d6efd", "#b02a37", "#198754", "#6f42c1"];
  document.querySelectorAll("canvas.dashboard-chart").forEach(function (canvas) {
    var table = document.getElementById(canvas.dataset.table);
    if (!table) return;
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    var rows = Array.prototype.filter.call(table.querySelectorAll("tbody tr"), function (tr) {
      return tr.querySelector("th[scope=row]");
    });
    if (!rows.length) { canvas.parentElement.hidden = true; return; }
    var labels = rows.map(function (tr) { return tr.querySelector("th").textContent.trim(); });
    var kind = canvas.dataset.kind === "line" ? "line" : "bar";
    var series = heads.slice(1).map(function (name, i) {
      return {
        label: name,
        data: rows.map(function (tr) {
          var cell = tr.querySelectorAll("td")[i];
          return cell ? Number(cell.dataset.value) : 0;
        }),
        backgroundColor: palette[i % palette.length],
        borderColor: palette[i % palette.length],
      };
    });
    // The median table's last column is a count, not a second measure in days: chart the median alone.
    if (canvas.id === "grafic-mediana") series = series.slice(0, 1);
    new window.Chart(canvas, {
      type: kind,
      data: { labels: labels, datasets: series },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom" } },
      },
    });
  });
})();
