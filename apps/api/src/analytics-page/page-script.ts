/**
 * The page's script, served as it is (no build step): reads the token from the URL fragment
 * (`#token=…`, never sent to the server in a URL) or the form, asks the durations endpoint per day
 * and draws each kind's percentiles and failure rate with Chart.js.
 */
export const ANALYTICS_PAGE_SCRIPT = `'use strict';
(function () {
  var charts = {};
  window.slipwayCharts = charts;
  var status = document.getElementById('status');
  var tokenInput = document.getElementById('token');
  var fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) {
    sessionStorage.setItem('slipway-token', fromHash);
    // Out of the address bar, so it is not kept in history, bookmarks or a shared screen.
    history.replaceState(null, '', location.pathname + location.search);
  }
  tokenInput.value = sessionStorage.getItem('slipway-token') || '';
  document.getElementById('token-form').addEventListener('submit', function (event) {
    event.preventDefault();
    sessionStorage.setItem('slipway-token', tokenInput.value);
    load();
  });
  var series = [
    { key: 'p50Ms', label: 'p50', color: '#2f80ed' },
    { key: 'p90Ms', label: 'p90', color: '#27ae60' },
    { key: 'p95Ms', label: 'p95', color: '#f2994a' },
    { key: 'p99Ms', label: 'p99', color: '#eb5757' }
  ];
  function draw(id, report) {
    var labels = report.groups.map(function (g) { return g.group; });
    var datasets = series.map(function (s) {
      return { label: s.label + ' (s)', borderColor: s.color, backgroundColor: s.color, yAxisID: 'seconds',
        data: report.groups.map(function (g) { return g.runs[s.key] === null ? null : g.runs[s.key] / 1000; }) };
    });
    datasets.push({ label: 'failure rate (%)', borderColor: '#828282', backgroundColor: '#828282', borderDash: [4, 4],
      yAxisID: 'percent', data: report.groups.map(function (g) { return Math.round(g.runs.failureRate * 1000) / 10; }) });
    if (charts[id]) charts[id].destroy();
    charts[id] = new Chart(document.getElementById(id), {
      type: 'line',
      data: { labels: labels, datasets: datasets },
      options: { animation: false, maintainAspectRatio: false, spanGaps: true,
        scales: { seconds: { type: 'linear', position: 'left', title: { display: true, text: 'seconds' } },
          percent: { type: 'linear', position: 'right', min: 0, max: 100, grid: { drawOnChartArea: false },
            title: { display: true, text: 'failure rate %' } } } }
    });
  }
  function fetchReport(kind) {
    return fetch('/v1/analytics/durations?kind=' + kind + '&groupBy=day', {
      headers: { authorization: 'Bearer ' + (sessionStorage.getItem('slipway-token') || ''), accept: 'application/json' }
    }).then(function (response) {
      if (!response.ok) return response.json().then(function (p) { throw new Error(p.detail || p.title); });
      return response.json();
    });
  }
  function load() {
    if (!sessionStorage.getItem('slipway-token')) { status.textContent = 'Enter an API token to see the charts.'; return; }
    status.textContent = 'Loading…';
    Promise.all([fetchReport('cluster'), fetchReport('image')]).then(function (reports) {
      draw('deploy-chart', reports[0]);
      draw('bake-chart', reports[1]);
      var runs = reports.reduce(function (n, r) { return n + r.groups.reduce(function (m, g) { return m + g.runs.count; }, 0); }, 0);
      status.textContent = runs + ' runs over ' + reports[0].groups.length + ' day(s) of deploys and ' + reports[1].groups.length + ' of bakes.';
      document.body.dataset.loaded = 'true';
    }, function (error) { status.textContent = 'Could not load: ' + error.message; document.body.dataset.loaded = 'error'; });
  }
  load();
})();
`;
