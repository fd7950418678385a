// Profile charts (ECharts). Data and series names come from json_script blocks: no inline script.
(function () {
  const dataNode = document.getElementById("chart-data");
  if (!dataNode || typeof echarts === "undefined") return;
  const data = JSON.parse(dataNode.textContent);
  const names = JSON.parse(document.getElementById("chart-labels").textContent);
  const years = data.years.map(String);
  const base = {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 50, right: 16, top: 32, bottom: 24 },
    xAxis: { type: "category", data: years },
    yAxis: { type: "value" },
  };
  const charts = [];
  function draw(id, series) {
    const el = document.getElementById(id);
    if (!el) return;
    const chart = echarts.init(el);
    chart.setOption(Object.assign({}, base, { series: series }));
    el.dataset.rendered = "1";
    charts.push(chart);
  }
  draw("chart-money", [
    { name: names.revenue, type: "bar", data: data.revenue },
    { name: names.rd_expense, type: "bar", data: data.rd_expense },
  ]);
  draw("chart-intensity", [{ name: names.rd_intensity, type: "line", data: data.rd_intensity, connectNulls: false }]);
  draw("chart-staff", [
    { name: names.employees, type: "line", data: data.employees },
    { name: names.st_staff, type: "line", data: data.st_staff },
    { name: names.rd_staff, type: "line", data: data.rd_staff },
  ]);
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
})();
