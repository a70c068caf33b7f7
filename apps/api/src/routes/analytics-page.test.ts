import { existsSync } from 'node:fs';
import { aResource, aRun } from '@slipway/persistence/testing';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSlipway, TEST_TOKEN, type TestSlipway } from '../../testing/test-slipway';

// The functions handed to page.evaluate run in the browser. These are the few browser types they
// use: the DOM lib stays out of the program, where it would retype Node's web streams.
interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  };
}
interface PageGlobals {
  document: {
    body: { dataset: Record<string, string | undefined> };
    getElementById(id: string): ({ textContent: string | null } & PageCanvas) | null;
  };
  slipwayCharts: Record<
    string,
    { data: { labels: string[]; datasets: { label: string; data: (number | null)[] }[] } }
  >;
}

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.CI === 'true')
  throw new Error(`Chromium is missing at ${CHROMIUM} (apt-get install chromium)`);
if (!available) console.warn(`skipping the analytics page test: no Chromium at ${CHROMIUM}`);

const DAY = 86_400_000;
let api: TestSlipway;
let baseUrl: string;
let browser: Browser;

/** Finished runs on three days: the page must draw what these say. */
async function seed(): Promise<void> {
  const store = api.slipway.store;
  const start = Date.parse('2030-03-01T10:00:00.000Z');
  const plan = [
    { kind: 'cluster', target: 'live', day: 0, ms: 60_000, status: 'succeeded' },
    { kind: 'cluster', target: 'live', day: 0, ms: 90_000, status: 'failed' },
    { kind: 'cluster', target: 'live', day: 1, ms: 30_000, status: 'succeeded' },
    { kind: 'cluster', target: 'live', day: 2, ms: 45_000, status: 'succeeded' },
    { kind: 'image', target: 'built', day: 0, ms: 5_000, status: 'succeeded' },
    { kind: 'image', target: 'built', day: 2, ms: 7_000, status: 'succeeded' },
  ] as const;
  for (const entry of plan) {
    const resource = aResource({ kind: entry.kind });
    await store.createResource(resource);
    const run = aRun(resource, { target: entry.target, groups: { provider: 'local' } });
    await store.startRun(run);
    await store.finishRun(run.id, ['queued'], {
      status: entry.status,
      error: null,
      finishedAt: new Date(start + entry.day * DAY).toISOString(),
      durationMs: entry.ms,
    });
  }
}

beforeAll(async () => {
  if (!available) return;
  api = await startTestSlipway();
  await seed();
  await api.slipway.app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(api.slipway.app.server.address() as { port: number }).port}`;
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await api?.close();
});

describe.skipIf(!available)('the /analytics page in headless Chromium', () => {
  it('loads with no console errors and draws the series the store holds', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(String(error)));
    await page.goto(`${baseUrl}/analytics#token=${TEST_TOKEN}`, { waitUntil: 'load' });
    await page
      .waitForFunction(
        () => (globalThis as unknown as PageGlobals).document.body.dataset.loaded !== undefined,
        { timeout: 15_000 },
      )
      .catch(async (error) => {
        throw new Error(
          `${String(error)}; page said: ${await page.evaluate(() => (globalThis as unknown as PageGlobals).document.getElementById('status')?.textContent)}; console: ${problems.join(' | ')}`,
        );
      });
    expect(
      await page.evaluate(() => (globalThis as unknown as PageGlobals).document.body.dataset.loaded),
    ).toBe('true');
    // The token came in the fragment and is gone from the address bar once read.
    expect(page.url()).toBe(`${baseUrl}/analytics`);
    const drawn = await page.evaluate(() => {
      const charts = (globalThis as unknown as PageGlobals).slipwayCharts;
      return Object.fromEntries(
        Object.entries(charts).map(([id, chart]) => [
          id,
          {
            labels: chart.data.labels,
            series: Object.fromEntries(chart.data.datasets.map((d) => [d.label, d.data])),
          },
        ]),
      );
    });
    expect(drawn['deploy-chart']!.labels).toEqual(['2030-03-01', '2030-03-02', '2030-03-03']);
    expect(drawn['deploy-chart']!.series['failure rate (%)']).toEqual([50, 0, 0]);
    expect(drawn['deploy-chart']!.series['p99 (s)']![1]).toBeCloseTo(30, 0);
    expect(drawn['bake-chart']!.labels).toEqual(['2030-03-01', '2030-03-03']);
    expect(drawn['bake-chart']!.series['p50 (s)']![0]).toBeCloseTo(5, 0);
    // Something was painted on each canvas, not just computed.
    const painted = await page.evaluate(() =>
      ['deploy-chart', 'bake-chart'].map((id) => {
        const canvas = (globalThis as unknown as PageGlobals).document.getElementById(id)!;
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let coloured = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) coloured++;
        return coloured;
      }),
    );
    expect(painted.every((count) => count > 1000)).toBe(true);
    expect(problems).toEqual([]);
  }, 60_000);
});
