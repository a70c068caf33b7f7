import type { HTTPMethods } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helloImageSpec, startTestSlipway, TEST_TOKEN, type TestSlipway } from '../../testing/test-slipway';
import { createActiveUser } from '../../testing/test-users';
import { userRuntimeOf } from '../kinds/user/user-runtime';

/**
 * Every protected route × every kind of caller → the decision. The routes come from the server;
 * what each needs comes from the table below, written apart from the routes' own declarations,
 * so a route added without a row here, or declared with the wrong permission, fails.
 */
type Need =
  | { kind: string; verb: 'read' | 'write' | 'transition' }
  | { kind: 'setting'; verb: 'read-secret' }
  | { kind: 'user'; verb: 'self-or-user-admin' }
  | { verb: 'admin' }
  | { verb: 'signed-in' }
  /** The service narrows it: read on every kind unless a kind is named. */
  | { verb: 'read-every-kind' }
  /** On the run's kind (the fixture run is an image's build); a run of an unreadable kind is hidden. */
  | { verb: 'run-kind'; runVerb: 'read' | 'transition' };

const KINDS = ['image', 'cluster', 'service', 'setting', 'user'] as const;

function crud(kind: string, plural: string): Record<string, Need> {
  return {
    [`POST /v1/${plural}`]: { kind, verb: 'write' },
    [`GET /v1/${plural}`]: { kind, verb: 'read' },
    [`GET /v1/${plural}/:id`]: { kind, verb: 'read' },
    [`GET /v1/${plural}/:id/history`]: { kind, verb: 'read' },
    [`PATCH /v1/${plural}/:id`]: { kind, verb: 'write' },
    [`POST /v1/${plural}/:id/runs`]: { kind, verb: 'transition' },
  };
}

/** Add a row per new route; HEAD routes follow their GET row. */
const NEEDS: Record<string, Need> = {
  'GET /v1/kinds': { verb: 'signed-in' },
  'GET /v1/kinds/:kind': { verb: 'signed-in' },
  'GET /v1/me': { verb: 'signed-in' },
  ...crud('image', 'images'),
  ...crud('cluster', 'clusters'),
  'POST /v1/clusters/:id/verify': { kind: 'cluster', verb: 'transition' },
  ...crud('service', 'services'),
  'POST /v1/services/:id/verify': { kind: 'service', verb: 'transition' },
  'POST /v1/services/:id/repair': { kind: 'service', verb: 'transition' },
  'POST /v1/services/:id/freeze': { kind: 'service', verb: 'transition' },
  'POST /v1/services/:id/unfreeze': { kind: 'service', verb: 'transition' },
  ...crud('setting', 'settings'),
  'POST /v1/settings/:id/reveal': { kind: 'setting', verb: 'transition' },
  'POST /v1/settings/:id/reencrypt': { kind: 'setting', verb: 'transition' },
  'GET /v1/settings/resolve': { kind: 'setting', verb: 'read' },
  'GET /v1/settings/:id/versions': { kind: 'setting', verb: 'read' },
  'POST /v1/settings/:id/rollback': { kind: 'setting', verb: 'transition' },
  'GET /v1/settings/:id/secret': { kind: 'setting', verb: 'read-secret' },
  'POST /v1/settings/secrets/reencrypt': { verb: 'admin' },
  ...crud('user', 'users'),
  'POST /v1/users/:id/invitation': { kind: 'user', verb: 'write' },
  'GET /v1/users/:id/tokens': { kind: 'user', verb: 'self-or-user-admin' },
  'POST /v1/users/:id/tokens': { kind: 'user', verb: 'self-or-user-admin' },
  'DELETE /v1/users/:id/tokens/:tokenId': { kind: 'user', verb: 'self-or-user-admin' },
  'GET /v1/runs': { verb: 'read-every-kind' },
  'GET /v1/runs/:id': { verb: 'run-kind', runVerb: 'read' },
  'POST /v1/runs/:id/cancel': { verb: 'run-kind', runVerb: 'transition' },
  'GET /v1/runs/:id/events': { verb: 'run-kind', runVerb: 'read' },
  'GET /v1/transitions': { verb: 'read-every-kind' },
  'GET /v1/analytics/durations': { verb: 'read-every-kind' },
};

type Persona =
  | 'no token'
  | 'malformed'
  | 'unknown'
  | 'revoked'
  | 'expired'
  | 'suspended user'
  | 'viewer'
  | 'operator'
  | 'admin'
  | 'image reader';
const SHUT_OUT: Persona[] = ['no token', 'malformed', 'unknown', 'revoked', 'expired', 'suspended user'];

/** What each role may do, as this test understands the documented roles. */
function may(persona: Persona, kind: string, verb: string): boolean {
  if (persona === 'admin') return true;
  if (persona === 'image reader') return kind === 'image' && verb === 'read';
  if (verb === 'read') return persona === 'viewer' || persona === 'operator';
  if (verb === 'write' || verb === 'transition') return persona === 'operator' && kind !== 'user';
  return false;
}

type Outcome = 401 | 403 | 404 | 'allowed';

function expected(persona: Persona, need: Need, hasId: boolean): Outcome {
  if (SHUT_OUT.includes(persona)) return 401;
  if (need.verb === 'signed-in') return 'allowed';
  if (need.verb === 'read-every-kind')
    return KINDS.every((kind) => may(persona, kind, 'read')) ? 'allowed' : 403;
  if (need.verb === 'admin') return persona === 'admin' ? 'allowed' : 403;
  if (need.verb === 'run-kind') {
    if (may(persona, 'image', need.runVerb)) return 'allowed';
    return may(persona, 'image', 'read') ? 403 : 404;
  }
  const { kind } = need;
  const verb = need.verb === 'self-or-user-admin' ? 'admin' : need.verb;
  if (may(persona, kind, verb)) return 'allowed';
  return hasId && !may(persona, kind, 'read') ? 404 : 403;
}

let api: TestSlipway;
const tokens = {} as Record<Persona, string | null>;
const ids: Record<string, string> = {};
let runId = '';

beforeAll(async () => {
  api = await startTestSlipway();
  const image = (
    await api.request('POST', '/v1/images', { body: { name: 'm-img', spec: helloImageSpec() } })
  ).json();
  ids.image = image.id;
  const build = (
    await api.request('POST', `/v1/images/${image.id}/runs`, { body: { target: 'built' } })
  ).json();
  runId = build.id;
  expect(await api.waitForRun(runId)).toMatchObject({ status: 'succeeded' });
  ids.cluster = (
    await api.request('POST', '/v1/clusters', {
      body: { name: 'm-web', spec: { service: 'm-service', image: image.id, size: 1 } },
    })
  ).json().id;
  ids.service = (await api.request('GET', '/v1/services')).json().items[0].id;
  ids.setting = (
    await api.request('POST', '/v1/settings', {
      body: { name: 'm-greeting', spec: { key: 'GREETING', value: 'hi' } },
    })
  ).json().id;
  ids.user = (
    await api.request('POST', '/v1/users', { body: { name: 'm-target', spec: { roles: ['viewer'] } } })
  ).json().id;
  expect(Object.values(ids).every(Boolean)).toBe(true);

  const viewer = await createActiveUser(api, 'm-viewer', { roles: ['viewer'] });
  const operator = await createActiveUser(api, 'm-operator', { roles: ['operator'] });
  const reader = await createActiveUser(api, 'm-reader', { roles: [], grants: ['image:read'] });
  const suspended = await createActiveUser(api, 'm-suspended', { roles: ['admin'] });
  const suspension = await api.request('POST', `/v1/users/${suspended.id}/runs`, {
    body: { target: 'suspended', reason: 'matrix' },
  });
  expect(await api.waitForRun(suspension.json().id)).toMatchObject({ status: 'succeeded' });
  const revoked = (
    await api.request('POST', `/v1/users/${operator.id}/tokens`, { body: { name: 'to-revoke' } })
  ).json();
  await api.request('DELETE', `/v1/users/${operator.id}/tokens/${revoked.token.id}`);
  const expired = await userRuntimeOf(api.slipway.store).tokens.issue({
    userId: operator.id,
    name: 'expired',
    purpose: 'api',
    expiresAt: new Date(Date.now() - 1000).toISOString(),
    createdBy: 'admin',
    now: new Date().toISOString(),
  });
  Object.assign(tokens, {
    'no token': null,
    malformed: 'Basic YWRtaW46YWRtaW4=',
    unknown: 'slw_thisTokenWasNeverIssuedToAnyoneAtAll0000000',
    revoked: revoked.secret,
    expired: expired.secret,
    'suspended user': suspended.token,
    viewer: viewer.token,
    operator: operator.token,
    admin: TEST_TOKEN,
    'image reader': reader.token,
  });
}, 180_000);
afterAll(async () => api.close());

const PLURAL_TO_KIND: Record<string, string> = {
  images: 'image',
  clusters: 'cluster',
  services: 'service',
  settings: 'setting',
  users: 'user',
};

/** A concrete path: each `:id` filled with a real resource (or run) of the route's kind. */
function concrete(url: string): string {
  const plural = url.split('/')[2] ?? '';
  const id = plural === 'runs' ? runId : (ids[PLURAL_TO_KIND[plural] ?? ''] ?? 'x1');
  const path = url.replace(':kind', 'image').replace(':tokenId', 'x1').replace(':id', id);
  return path;
}

let address = 0;
async function call(method: string, url: string, persona: Persona) {
  const token = tokens[persona];
  const authorization = token === null ? undefined : token.startsWith('Basic ') ? token : `Bearer ${token}`;
  const payload = ['POST', 'PATCH', 'PUT'].includes(method) ? {} : undefined;
  address += 1;
  return api.slipway.app.inject({
    method: method as HTTPMethods,
    url,
    // Each refused guess from its own address: this test is not about the failure limit.
    remoteAddress: `10.${(address >> 16) & 255}.${(address >> 8) & 255}.${address & 255}`,
    headers: authorization ? { authorization } : {},
    ...(payload ? { payload } : {}),
  });
}

/** The hidden 404 is word for word a missing id's: anything else that is not 401/403 is allowed. */
function outcomeOf(
  response: Awaited<ReturnType<typeof call>>,
  kind: string | undefined,
  id: string,
): Outcome {
  if (response.statusCode === 401 || response.statusCode === 403) return response.statusCode;
  if (response.statusCode === 404 && response.body) {
    const body = response.json();
    if (kind && body.code === 'resource_not_found' && body.detail === `No ${kind} with id "${id}".`)
      return 404;
    if (body.code === 'run_not_found' && body.detail === `No run with id "${id}".`) return 404;
  }
  return 'allowed';
}

function routes() {
  return api.slipway.app.routeTable.filter((route) => !route.public && route.method !== 'HEAD');
}

describe('the authorization matrix', () => {
  it('has a row for every protected route the server serves, and a route for every row', () => {
    const served = routes().map((route) => `${route.method} ${route.url}`);
    expect(served.filter((key) => !(key in NEEDS))).toEqual([]);
    expect(Object.keys(NEEDS).filter((key) => !served.includes(key))).toEqual([]);
  });

  for (const persona of Object.keys({
    'no token': 1,
    malformed: 1,
    unknown: 1,
    revoked: 1,
    expired: 1,
    'suspended user': 1,
    viewer: 1,
    operator: 1,
    admin: 1,
    'image reader': 1,
  }) as Persona[]) {
    it(`decides every route for: ${persona}`, async () => {
      const wrong: string[] = [];
      for (const route of routes()) {
        const need = NEEDS[`${route.method} ${route.url}`];
        if (!need) continue;
        const url = concrete(route.url);
        const kind = 'kind' in need ? need.kind : undefined;
        const id = url.split('/')[3] ?? '';
        const want = expected(persona, need, route.url.includes(':id'));
        const got = outcomeOf(await call(route.method, url, persona), kind, id);
        if (got !== want) wrong.push(`${route.method} ${url}: expected ${want}, got ${got}`);
      }
      expect(wrong).toEqual([]);
    }, 120_000);
  }

  it('answers an existing and a missing id alike to a caller who may not read the kind', async () => {
    for (const [plural, kind] of Object.entries(PLURAL_TO_KIND)) {
      if (kind === 'image') continue;
      const existing = await call('GET', `/v1/${plural}/${ids[kind]}`, 'image reader');
      const missing = await call('GET', `/v1/${plural}/01JZZZZZZZZZZZZZZZZZZZZZZZ`, 'image reader');
      expect(existing.statusCode).toBe(404);
      expect(missing.statusCode).toBe(404);
      const strip = (body: Record<string, unknown>) => ({
        ...body,
        detail: undefined,
        instance: undefined,
        requestId: undefined,
      });
      expect(strip(existing.json())).toEqual(strip(missing.json()));
      // And the admin sees the difference: the id exists.
      expect((await call('GET', `/v1/${plural}/${ids[kind]}`, 'admin')).statusCode).toBe(200);
    }
  });
});

function percentEncoded(path: string): string[] {
  const found = new Set<string>();
  [...path].forEach((char, index) => {
    if (!/[A-Za-z0-9._~-]/.test(char)) return;
    for (const hex of [char.charCodeAt(0).toString(16), char.charCodeAt(0).toString(16).toUpperCase()]) {
      found.add(`${path.slice(0, index)}%${hex.padStart(2, '0')}${path.slice(index + 1)}`);
    }
  });
  return [...found];
}

describe('spellings of a path', () => {
  it('percent-encoded unreserved characters reach the same route and the same decision', async () => {
    for (const persona of ['image reader', 'viewer'] as Persona[]) {
      const wrong: string[] = [];
      for (const route of routes()) {
        if (route.method !== 'GET') continue;
        const plain = concrete(route.url).split('?')[0] as string;
        const kind = (NEEDS[`${route.method} ${route.url}`] as { kind?: string }).kind;
        const id = plain.split('/')[3] ?? '';
        const want = outcomeOf(await call('GET', plain, persona), kind, id);
        for (const variant of percentEncoded(plain)) {
          const got = outcomeOf(await call('GET', variant, persona), kind, id);
          if (got !== want) wrong.push(`${variant}: ${got}, plain ${want}`);
        }
      }
      expect(wrong).toEqual([]);
    }
  }, 300_000);

  it('paths are case-sensitive: /V1/… and upper-cased segments are 404 route_not_found for everyone', async () => {
    for (const persona of ['admin', 'image reader', 'no token'] as Persona[]) {
      for (const route of routes()) {
        const plain = concrete(route.url).split('?')[0] as string;
        const segments = plain.split('/');
        const upperSecond = [...segments];
        upperSecond[2] = (segments[2] ?? '').toUpperCase();
        for (const variant of [plain.replace('/v1/', '/V1/'), upperSecond.join('/')]) {
          const response = await call(route.method, variant, persona);
          expect(response.statusCode, `${route.method} ${variant} as ${persona}`).toBe(404);
          expect(response.json().code).toBe('route_not_found');
        }
      }
    }
  }, 120_000);
});
