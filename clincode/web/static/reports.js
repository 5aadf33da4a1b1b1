// Report charts: each <canvas data-chart="{...}"> holds its Chart.js configuration as JSON
// (built on the server from the same figures as the table beside it, which stays the
// accessible version). No animation: managers screenshot and print these pages.
(function () {
  function draw() {
    if (!window.Chart) { return; }
    Chart.defaults.font.family = 'Frutiger W01, Arial, sans-serif';
    Chart.defaults.color = '#212b32';
    Chart.defaults.animation = false;
    document.querySelectorAll('canvas[data-chart]').forEach(function (canvas) {
      if (canvas.dataset.drawn) { return; }
      canvas.dataset.drawn = '1';
      var config = JSON.parse(canvas.dataset.chart);
      config.options = Object.assign({ responsive: true, maintainAspectRatio: false }, config.options || {});
      new Chart(canvas, config);
    });
  }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', draw); } else { draw(); }
})();
