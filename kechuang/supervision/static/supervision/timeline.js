// The milestone timeline of a task force (ECharts): one dot per milestone on its due date, coloured by
// its status, with a line for the day the page shows. Data from a json_script block: no inline script.
(function () {
  const node = document.getElementById("timeline-data");
  const el = document.getElementById("milestone-timeline");
  if (!node || !el || typeof echarts === "undefined") return;
  const data = JSON.parse(node.textContent);
  const colours = { not_due: "#6c757d", on_track: "#0d6efd", overdue: "#dc3545", done_on_time: "#198754", done_late: "#fd7e14" };
  const lanes = {};
  const points = data.items.map(function (m) {
    lanes[m.due] = (lanes[m.due] || 0) + 1;
    return { value: [m.due, lanes[m.due]], name: m.text, status: m.status, itemStyle: { color: colours[m.colour] } };
  });
  const chart = echarts.init(el);
  chart.setOption({
    grid: { left: 24, right: 24, top: 24, bottom: 32 },
    tooltip: { formatter: function (p) { return p.data.value[0] + "<br>" + p.data.name + "<br>" + p.data.status; } },
    xAxis: { type: "time", min: data.year + "-01-01", max: data.year + "-12-31" },
    yAxis: { type: "value", show: false, min: 0, max: Math.max(3, Math.max.apply(null, Object.values(lanes).concat([1])) + 1) },
    series: [{
      type: "scatter", symbolSize: 16, data: points,
      markLine: { symbol: "none", silent: true, lineStyle: { color: "#999", type: "dashed" }, label: { formatter: data.today }, data: [{ xAxis: data.today }] },
    }],
  });
  el.dataset.rendered = "1";
  window.addEventListener("resize", function () { chart.resize(); });
})();
