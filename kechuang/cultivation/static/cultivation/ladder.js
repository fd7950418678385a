// The ladder's charts (ECharts): the pool's funnel and the rung moves between years. Data come from
// json_script blocks; no inline script (the Content-Security-Policy forbids it).
(function () {
  if (typeof echarts === "undefined") return;
  const charts = [];
  function data(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function draw(id, option) {
    const el = document.getElementById(id);
    if (!el) return;
    const chart = echarts.init(el);
    chart.setOption(option);
    el.dataset.rendered = "1";
    charts.push(chart);
  }
  const stages = data("funnel-data");
  if (stages) {
    draw("chart-funnel", {
      animation: false,
      tooltip: { trigger: "item", formatter: "{b}：{c}" },
      series: [{
        type: "funnel", sort: "none", left: "10%", width: "80%", minSize: "20%", gap: 2,
        label: { position: "inside", formatter: "{b}  {c}" },
        data: stages.map((s) => ({ name: s.label, value: s.value })),
      }],
    });
  }
  const sankey = data("sankey-data");
  if (sankey && sankey.links.length) {
    draw("chart-sankey", {
      animation: false,
      tooltip: { trigger: "item" },
      series: [{
        type: "sankey", left: 8, right: 150, top: 8, bottom: 8, nodeGap: 10,
        emphasis: { focus: "adjacency" }, lineStyle: { color: "gradient", curveness: 0.5, opacity: 0.35 },
        data: sankey.nodes, links: sankey.links,
      }],
    });
  }
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
})();
