import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helloImageSpec, startTestSlipway, type TestSlipway } from '../../testing/test-slipway';

let api: TestSlipway;

beforeAll(async () => {
  api = await startTestSlipway();
});
afterAll(async () => api.close());

async function scrape(): Promise<PrometheusFamily[]> {
  const response = await api.request('GET', '/metrics', { token: null });
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  const families = parsePrometheusTextFormat(response.body);
  // The parser folds a labelled histogram into one unlabelled sample, so each histogram's
  // `_count` series is parsed again on its own, as the untyped family it then is.
  const histograms = families
    .filter((family) => family.type === 'HISTOGRAM')
    .map((family) => `${family.name}_count`);
  const countLines = response.body
    .split('\n')
    .filter((line) => histograms.some((name) => line.startsWith(`${name}{`)));
  return [...families, ...parsePrometheusTextFormat(`${countLines.join('\n')}\n`)];
}

/** The value of a counter or gauge sample (a histogram's: `<name>_count`) for the labels given (0 when absent). */
function sample(families: PrometheusFamily[], name: string, labels: Record<string, string>): number {
  const family = families.find((candidate) => candidate.name === name);
  expect(family, `${name} is exported`).toBeDefined();
  const found = family!.metrics.find((metric) =>
    Object.entries(labels).every(([key, value]) => metric.labels?.[key] === value),
  );
  if (!found) return 0;
  return Number(found.value);
}

describe('GET /metrics', () => {
  it('parses as Prometheus text and its counters move when requests and runs happen', async () => {
    const before = await scrape();
    const created = await api.request('POST', '/v1/images', {
      body: { name: 'metrics-image', spec: helloImageSpec() },
    });
    expect(created.statusCode).toBe(201);
    const run = await api.request('POST', `/v1/images/${created.json().id}/runs`, {
      body: { target: 'built' },
    });
    expect(run.statusCode).toBe(202);
    expect(await api.waitForRun(run.json().id)).toMatchObject({ status: 'succeeded' });
    await api.request('GET', '/v1/images/01ZZZZZZZZZZZZZZZZZZZZZZZZ');
    // The run reads as succeeded once its finish is committed; the counters move when the store
    // call that committed it returns, which can be a tick later, so wait for that before reading.
    const image = { kind: 'image', target: 'built' };
    const succeeded = { ...image, outcome: 'succeeded' };
    await expect
      .poll(async () => sample(await scrape(), 'slipway_runs_finished_total', succeeded))
      .toBe(sample(before, 'slipway_runs_finished_total', succeeded) + 1);
    const after = await scrape();

    const created201 = { method: 'POST', route: '/v1/images', status: '201' };
    expect(sample(after, 'slipway_http_requests_total', created201)).toBe(
      sample(before, 'slipway_http_requests_total', created201) + 1,
    );
    // The route pattern, never the id asked for.
    expect(
      sample(after, 'slipway_http_requests_total', { method: 'GET', route: '/v1/images/:id', status: '404' }),
    ).toBe(1);
    expect(sample(after, 'slipway_runs_started_total', image)).toBe(
      sample(before, 'slipway_runs_started_total', image) + 1,
    );
    expect(sample(after, 'slipway_runs_finished_total', succeeded)).toBe(1);
    expect(sample(after, 'slipway_run_duration_seconds_count', succeeded)).toBe(1);
    // The build's two transitions; the first start's ACCEPT of the admin user came before `before`.
    const recorded = { operation: 'recordTransition', result: 'ok' };
    expect(sample(after, 'slipway_store_operation_duration_seconds_count', recorded)).toBe(
      sample(before, 'slipway_store_operation_duration_seconds_count', recorded) + 2,
    );
    expect(after.find((family) => family.name === 'slipway_active_runs')?.type).toBe('GAUGE');
    expect(sample(after, 'slipway_active_runs', { status: 'running' })).toBe(0);
    expect(
      sample(after, 'slipway_http_request_duration_seconds_count', { method: 'POST', route: '/v1/images' }),
    ).toBeGreaterThan(0);
  });

  it('100 concurrent scrapes read the store\u2019s unfinished runs a bounded number of times, not 100', async () => {
    const reads = async () =>
      sample(await scrape(), 'slipway_store_operation_duration_seconds_count', {
        operation: 'listUnfinishedRuns',
        result: 'ok',
      });
    const before = await reads();
    const scrapes = await Promise.all(
      Array.from({ length: 100 }, () => api.request('GET', '/metrics', { token: null })),
    );
    for (const response of scrapes) expect(response.statusCode).toBe(200);
    // At most one refresh, should the 5 s window end while they are answered (and that of `reads`).
    expect((await reads()) - before).toBeLessThanOrEqual(2);
  });

  it('is served without a token and carries no id, name or token', async () => {
    const text = (await api.request('GET', '/metrics', { token: null })).body;
    expect(text).not.toContain('metrics-image');
    expect(text).not.toMatch(/01[0-9A-HJKMNP-TV-Z]{24}/);
    expect(text).not.toContain('test-admin-token');
  });
});
