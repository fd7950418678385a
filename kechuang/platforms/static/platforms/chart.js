// Platforms by type and by level per district: stacked bars (ECharts, served locally).
(function () {
  const node = document.getElementById("platform-chart-data");
  if (!node || typeof echarts === "undefined") return;
  const data = JSON.parse(node.textContent);
  const draw = (id, series) => {
    const el = document.getElementById(id);
    if (!el) return;
    const chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.districts, axisLabel: { interval: 0, rotate: data.districts.length > 8 ? 30 : 0 } },
      yAxis: { type: "value", name: "个", minInterval: 1 },
      series: series.map((s) => ({ name: s.name, type: "bar", stack: "total", data: s.data, emphasis: { focus: "series" } })),
    });
    el.dataset.rendered = "1";
    window.addEventListener("resize", () => chart.resize());
  };
  draw("chart-kind", data.by_kind);
  draw("chart-level", data.by_level);
})();
