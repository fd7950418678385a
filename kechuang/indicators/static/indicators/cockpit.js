// The cockpit's map and trend (ECharts, served locally; the map "淄博" is registered by zibo.js).
(function () {
  const node = document.getElementById("indicator-chart-data");
  if (!node || typeof echarts === "undefined") return;
  const data = JSON.parse(node.textContent);
  const fmt = (v) => (v === null || v === undefined ? "—" : `${Number(v).toLocaleString()} ${data.unit}`);

  const mapEl = document.getElementById("indicator-map");
  if (mapEl && data.showMap && echarts.getMap && echarts.getMap("淄博")) {
    const values = data.map.map((d) => d.value).filter((v) => v !== null);
    const chart = echarts.init(mapEl);
    chart.setOption({
      tooltip: { trigger: "item", formatter: (p) => `${p.name}<br>${data.indicator}：${fmt(p.value)}` },
      visualMap: {
        min: values.length ? Math.min(...values) : 0,
        max: values.length ? Math.max(...values) : 1,
        calculable: true,
        left: 0,
        bottom: 0,
        itemHeight: 90,
        inRange: { color: ["#e0ecf8", "#2f6fb3"] },
        text: ["高", "低"],
      },
      series: [
        {
          type: "map",
          map: "淄博",
          roam: false,
          label: { show: true, fontSize: 10 },
          emphasis: { label: { show: true } },
          data: data.map.map((d) => ({ name: d.name, value: d.value, id: d.id })),
        },
      ],
    });
    chart.on("click", (p) => {
      if (!p.data || !p.data.id) return;
      const url = new URL(window.location.href);
      url.searchParams.set("district", p.data.id);
      window.location.href = url.toString();
    });
    mapEl.dataset.rendered = "1";
    window.addEventListener("resize", () => chart.resize());
  } else if (mapEl) {
    mapEl.style.height = "auto";
  }

  const trendEl = document.getElementById("indicator-trend");
  if (trendEl && data.trend && data.trend.categories.length) {
    const chart = echarts.init(trendEl);
    chart.setOption({
      tooltip: { trigger: "axis", valueFormatter: fmt },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.trend.categories },
      yAxis: { type: "value", name: data.unit },
      series: data.trend.series.map((s) => ({
        name: s.name,
        type: s.name === data.trend.series[data.trend.series.length - 1].name && data.trend.series.length > 1 ? "line" : "bar",
        data: s.data,
        connectNulls: false,
        showAllSymbol: true,
      })),
    });
    trendEl.dataset.rendered = "1";
    window.addEventListener("resize", () => chart.resize());
  }
})();
