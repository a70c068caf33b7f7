/** The page itself: two charts and a token field; everything it shows comes from the API. */
export const ANALYTICS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Slipway analytics</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<style>
  body { font-family: system-ui, sans-serif; margin: 2rem; color: #1b2733; }
  h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
  .chart { position: relative; height: 320px; max-width: 960px; }
  #status { color: #6b7785; } form { margin: 1rem 0; }
</style>
</head>
<body>
<h1>Slipway: deploy and bake time</h1>
<p>Percentiles of run durations per day and the failure rate, from <code>GET /v1/analytics/durations</code>
(<a href="/docs">API docs</a>).</p>
<form id="token-form"><label>API token <input id="token" type="password" autocomplete="off"></label>
<button type="submit">Show</button></form>
<p id="status">Loading…</p>
<h2>Deploy time (cluster runs to live)</h2>
<div class="chart"><canvas id="deploy-chart"></canvas></div>
<h2>Bake time (image runs to built)</h2>
<div class="chart"><canvas id="bake-chart"></canvas></div>
<script src="/analytics/chart.umd.min.js"></script>
<script src="/analytics/page.js"></script>
</body>
</html>
`;
