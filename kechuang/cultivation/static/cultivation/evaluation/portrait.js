// The enterprise portrait (企业画像): radar against the industry median, score and rank over the years.
// Data comes from a json_script block; loaded with defer so that ECharts (loaded by the profile) is ready.
(function () {
  const node = document.getElementById("portrait-data");
  if (!node || typeof echarts === "undefined") return;
  const d = JSON.parse(node.textContent);
  const charts = [];
  const radarEl = document.getElementById("portrait-radar");
  if (radarEl) {
    const radar = echarts.init(radarEl);
    radar.setOption({
      tooltip: {},
      legend: { bottom: 0, data: [d.own_label, d.median_label] },
      radar: {
        radius: "55%",
        indicator: d.indicators.map((n) => ({ name: n, max: 100 })),
        // Long Chinese names wrap every seven characters so that none is cut at the card's edge.
        axisName: { formatter: (name) => name.replace(/(.{7})(?=.)/g, "$1\n") },
      },
      series: [{
        type: "radar",
        data: [
          { name: d.own_label, value: d.own.map((v) => (v === null ? 0 : v)), areaStyle: { opacity: 0.2 } },
          { name: d.median_label, value: d.median.map((v) => (v === null ? 0 : v)), lineStyle: { type: "dashed" } },
        ],
      }],
    });
    radarEl.dataset.rendered = "1";
    charts.push(radar);
  }
  const trendEl = document.getElementById("portrait-trend");
  if (trendEl) {
    const trend = echarts.init(trendEl);
    trend.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 40, top: 32, bottom: 24 },
      xAxis: { type: "category", data: d.years.map(String) },
      yAxis: [{ type: "value", min: 0, max: 100 }, { type: "value", inverse: true, minInterval: 1 }],
      series: [
        { name: d.score_label, type: "line", data: d.scores },
        { name: d.rank_label, type: "line", yAxisIndex: 1, data: d.ranks, lineStyle: { type: "dashed" } },
      ],
    });
    charts.push(trend);
  }
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
})();
