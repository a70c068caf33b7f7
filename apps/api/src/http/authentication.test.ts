import type { HTTPMethods } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSlipway, TEST_TOKEN, type TestSlipway } from '../../testing/test-slipway';

let api: TestSlipway;
beforeAll(async () => {
  api = await startTestSlipway();
});
afterAll(async () => api.close());

/** A concrete path for a route pattern: every parameter filled with a plausible value. */
function concrete(pattern: string): string {
  return pattern
    .replace(/:kind\b/g, 'image')
    .replace(/:[A-Za-z]+/g, 'x1')
    .replace(/\*$/, 'index.html');
}

function percentEncode(char: string, upper: boolean): string {
  const hex = char.charCodeAt(0).toString(16).padStart(2, '0');
  return `%${upper ? hex.toUpperCase() : hex}`;
}

/**
 * Spellings a router may take for the same path: each character percent-encoded on its own (upper
 * and lower hex), every character but the slashes encoded, case changes, a trailing slash.
 */
function variants(path: string): string[] {
  const found = new Set<string>([path, `${path}/`, path.toUpperCase(), path.replace(/\/v1\//, '/V1/')]);
  [...path].forEach((char, index) => {
    if (char === '/') return;
    for (const upper of [false, true]) {
      found.add(`${path.slice(0, index)}${percentEncode(char, upper)}${path.slice(index + 1)}`);
    }
    if (/[a-z]/.test(char)) found.add(`${path.slice(0, index)}${char.toUpperCase()}${path.slice(index + 1)}`);
  });
  found.add([...path].map((char) => (char === '/' ? char : percentEncode(char, false))).join(''));
  return [...found];
}

describe('authentication on the matched route', () => {
  it('records every route with whether it is public', () => {
    const table = api.slipway.app.routeTable;
    const publicUrls = table.filter((route) => route.public).map((route) => route.url);
    const docs = publicUrls.filter((url) => url === '/docs' || url.startsWith('/docs/'));
    expect(docs.length).toBeGreaterThan(0);
    expect(new Set(publicUrls.filter((url) => !docs.includes(url)))).toEqual(
      new Set([
        '/health/live',
        '/health/ready',
        '/metrics',
        '/openapi.json',
        // The analytics page and its scripts; the data it draws needs the caller's token.
        '/analytics',
        '/analytics/page.js',
        '/analytics/chart.umd.min.js',
      ]),
    );
    expect(table.filter((route) => route.url.startsWith('/v1/')).every((route) => !route.public)).toBe(true);
    expect(table.filter((route) => !route.public).length).toBeGreaterThanOrEqual(15);
  });

  it('answers 401 to the percent-encoded paths of the report', async () => {
    for (const url of ['/%761/kinds', '/%761/%6binds/cluster', '/%76%31/%6B%69%6E%64%73']) {
      const response = await api.request('GET', url, { token: null });
      expect(response.statusCode, url).toBe(401);
      expect(response.json().code).toBe('unauthorized');
    }
  });

  it('answers 401 without a token to every spelling of every protected route that routes', async () => {
    const protectedRoutes = api.slipway.app.routeTable.filter((route) => !route.public);
    let routed = 0;
    for (const route of protectedRoutes) {
      for (const url of variants(concrete(route.url))) {
        const method = route.method as HTTPMethods;
        const payload = ['POST', 'PATCH', 'PUT'].includes(method) ? {} : undefined;
        const withToken = await api.slipway.app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${TEST_TOKEN}` },
          ...(payload ? { payload } : {}),
        });
        const without = await api.slipway.app.inject({ method, url, ...(payload ? { payload } : {}) });
        // HEAD has no body to read the code from: its GET twin tells whether the path routes.
        const probe =
          method === 'HEAD'
            ? await api.slipway.app.inject({
                method: 'GET',
                url,
                headers: { authorization: `Bearer ${TEST_TOKEN}` },
              })
            : withToken;
        const routes = probe.statusCode !== 404 || probe.json().code !== 'route_not_found';
        if (!routes) {
          expect(without.statusCode, `${method} ${url}`).toBe(404);
          continue;
        }
        routed += 1;
        expect(without.statusCode, `${method} ${url} (with a token: ${withToken.statusCode})`).toBe(401);
      }
    }
    // The router decodes percent-encoding, so most spellings do route: the test really probes them.
    expect(routed).toBeGreaterThan(protectedRoutes.length * 5);
  });
});
