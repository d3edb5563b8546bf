// Draws the Stats page's charts from its JSON endpoint. Without JavaScript (or Chart.js) the
// tables under each chart carry the same figures.
(() => {
  const container = document.querySelector("[data-stats]");
  if (!container || !window.Chart) return;
  container.classList.add("js");
  const style = getComputedStyle(document.documentElement);
  const css = (name) => style.getPropertyValue(name).trim();
  const palette = ["#6366f1", "#22c55e", "#f59e0b", "#ef4444", "#06b6d4", "#a855f7", "#84cc16", "#ec4899"];
  Chart.defaults.color = css("--muted");
  Chart.defaults.borderColor = css("--border");
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function config(type, chart, key, canvas) {
    // A line needs two points to be a line; one period reads better as a bar.
    if (type === "line" && chart.labels.length < 2) type = "bar";
    const round = type === "doughnut";
    const options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: reduceMotion ? false : undefined,
      plugins: { legend: { display: round, position: "bottom" } },
    };
    if (!round) options.scales = { x: { beginAtZero: true }, y: { beginAtZero: true } };
    if (type === "bar" && chart.labels.length > 6) {
      // Many names: bars run across, every name shown, the box as tall as they need.
      options.indexAxis = "y";
      options.scales.y.ticks = { autoSkip: false };
      canvas.parentElement.style.height = `${Math.max(256, chart.labels.length * 24 + 48)}px`;
    }
    if (key === "top_tags") {
      // A bar is a way in: clicking it searches for that tag.
      options.onClick = (event, elements) => {
        if (!elements.length) return;
        const tag = chart.labels[elements[0].index];
        window.location.href = `${container.dataset.searchUrl}?tag=${encodeURIComponent(tag)}`;
      };
      options.onHover = (event, elements) => {
        event.native.target.style.cursor = elements.length ? "pointer" : "default";
      };
    }
    return {
      type,
      data: {
        labels: chart.labels,
        datasets: [{
          label: chart.unit || "Photos",
          data: chart.values,
          backgroundColor: round ? palette : palette[0],
          borderColor: round ? css("--surface") : palette[0],
          fill: false,
          tension: 0.25,
        }],
      },
      options,
    };
  }

  fetch(container.dataset.url, { headers: { Accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
    .then(({ charts }) => {
      container.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
        const key = canvas.dataset.chart;
        new Chart(canvas, config(canvas.dataset.type, charts[key], key, canvas));
        canvas.closest(".chart-card").classList.add("drawn");
      });
    })
    .catch(() => { container.classList.add("charts-failed"); });
})();
