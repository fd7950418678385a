// Workbench charts (ECharts, served locally). Each app describes its chart as data (categories, series,
// unit) in one json_script block, so every chart looks the same and the page carries no inline script.
(function () {
  const node = document.getElementById("workbench-charts");
  if (!node || typeof echarts === "undefined") return;
  for (const c of JSON.parse(node.textContent)) {
    const el = document.getElementById(c.id);
    if (!el) continue;
    const chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis", valueFormatter: (v) => (v === null || v === undefined ? "—" : `${v.toLocaleString()} ${c.unit}`) },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: c.categories, axisLabel: { interval: 0, rotate: c.categories.length > 8 ? 30 : 0 } },
      yAxis: { type: "value", name: c.unit },
      series: c.series.map((s) => ({ name: s.name, type: c.kind, data: s.data, connectNulls: true, showAllSymbol: true })),
    });
    el.dataset.rendered = "1";
    window.addEventListener("resize", () => chart.resize());
  }
})();
