// Coverage chart (ECharts): per district, the eligible firms split into granted, applied and not yet
// applied. Data comes from a json_script block: no inline script (the CSP forbids it).
(function () {
  const node = document.getElementById("coverage-data");
  const el = document.getElementById("coverage-chart");
  if (!node || !el || typeof echarts === "undefined") return;
  const data = JSON.parse(node.textContent);
  const chart = echarts.init(el);
  chart.setOption({
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: data.districts, inverse: true },
    series: [
      { name: data.labels.granted, type: "bar", stack: "all", data: data.granted, color: "#198754" },
      { name: data.labels.applied, type: "bar", stack: "all", data: data.applied, color: "#0d6efd" },
      { name: data.labels.waiting, type: "bar", stack: "all", data: data.waiting, color: "#ffc107" },
    ],
  });
  el.dataset.rendered = "1";
  window.addEventListener("resize", () => chart.resize());
})();
