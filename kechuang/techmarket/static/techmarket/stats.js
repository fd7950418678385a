// Turnover by month (bars, 万元, with the contract count as a line) and by the seller's district.
// Data comes from a json_script block: no inline script (the CSP forbids it).
(function () {
  const node = document.getElementById("tm-chart-data");
  if (!node || typeof echarts === "undefined") return;
  const data = JSON.parse(node.textContent);
  const month = document.getElementById("tm-month-chart");
  const district = document.getElementById("tm-district-chart");
  const charts = [];
  if (month) {
    const c = echarts.init(month);
    c.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.months },
      yAxis: [{ type: "value", name: data.labels.turnover }, { type: "value", name: data.labels.count, minInterval: 1 }],
      series: [
        { name: data.labels.turnover, type: "bar", data: data.turnover, color: "#0d6efd" },
        { name: data.labels.count, type: "line", yAxisIndex: 1, data: data.counts, color: "#fd7e14" },
      ],
    });
    month.dataset.rendered = "1";
    charts.push(c);
  }
  if (district) {
    const c = echarts.init(district);
    c.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", name: data.labels.turnover },
      yAxis: { type: "category", data: data.districts, inverse: true },
      series: [{ name: data.labels.turnover, type: "bar", data: data.district_turnover, color: "#198754" }],
    });
    district.dataset.rendered = "1";
    charts.push(c);
  }
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
})();
