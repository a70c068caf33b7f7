import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSlipway, TEST_TOKEN, type TestSlipway } from '../../../testing/test-slipway';
import { createActiveUser } from '../../../testing/test-users';
import { FAILED_AUTH_LIMIT } from '../../http/authentication';
import { userRuntimeOf } from './user-runtime';

let api: TestSlipway;
beforeAll(async () => {
  api = await startTestSlipway();
});
afterAll(async () => api.close());

describe('users and their tokens', () => {
  it('makes the admin token the first admin user, named admin', async () => {
    const me = await api.request('GET', '/v1/me');
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ name: 'admin', permissions: expect.arrayContaining(['admin']) });
    const users = (await api.request('GET', '/v1/users')).json().items;
    expect(users.map((user: { name: string; state: string }) => `${user.name}:${user.state}`)).toEqual([
      'admin:active',
    ]);
  });

  it('activates an invited user on the first request with its invitation, as the actor, once', async () => {
    const created = await api.request('POST', '/v1/users', {
      body: { name: 'alice', spec: { roles: ['viewer'] } },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json().state).toBe('invited');
    const id = created.json().id;
    const invitation = (await api.request('POST', `/v1/users/${id}/invitation`)).json();
    expect(invitation.secret).toMatch(/^slw_/);

    const first = await api.request('GET', '/v1/me', { token: invitation.secret });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ name: 'alice', userId: id });
    expect(first.json().permissions).toContain('image:read');
    expect(first.json().permissions).not.toContain('image:write');
    expect((await api.request('GET', `/v1/users/${id}`)).json().state).toBe('active');
    const history = (await api.request('GET', `/v1/users/${id}/history`)).json().items;
    expect(history.at(-1)).toMatchObject({ from: 'invited', to: 'active', event: 'ACCEPT', actor: 'alice' });
    // One-time: spent by the request that used it.
    expect((await api.request('GET', '/v1/me', { token: invitation.secret })).statusCode).toBe(401);
    // Only invited users get invitations.
    expect((await api.request('POST', `/v1/users/${id}/invitation`)).json().code).toBe('action_not_allowed');
  });

  it('shows a token secret once, lists tokens without secrets, and revokes at once', async () => {
    const bob = await createActiveUser(api, 'bob', { roles: ['operator'] });
    expect((await api.request('GET', '/v1/me', { token: bob.token })).json().name).toBe('bob');
    const second = await api.request('POST', `/v1/users/${bob.id}/tokens`, {
      token: bob.token,
      body: { name: 'ci-deploy' },
    });
    expect(second.statusCode).toBe(201);
    const listed = await api.request('GET', `/v1/users/${bob.id}/tokens`, { token: bob.token });
    expect(
      listed
        .json()
        .items.map((token: { name: string }) => token.name)
        .sort(),
    ).toEqual(['bob-token', 'ci-deploy', 'invitation']);
    expect(listed.body).not.toContain(second.json().secret);
    expect(listed.body).not.toContain('"hash"');

    const revoked = await api.request('DELETE', `/v1/users/${bob.id}/tokens/${second.json().token.id}`, {
      token: bob.token,
    });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({ revokedBy: 'bob' });
    expect((await api.request('GET', '/v1/me', { token: second.json().secret })).statusCode).toBe(401);
    // Token events are on the audit trail, each naming who did it.
    const events = (
      await api.request('GET', `/v1/transitions?kind=user&resourceId=${bob.id}&actor=bob`)
    ).json();
    expect(
      events.items.map(
        (t: { event: string; outputs: { name?: string } }) => `${t.event}:${t.outputs.name ?? ''}`,
      ),
    ).toEqual(['ACCEPT:', 'ISSUE_TOKEN:bob-token', 'ISSUE_TOKEN:ci-deploy', 'REVOKE_TOKEN:ci-deploy']);
    expect(
      events.items.every(
        (t: { outputs: Record<string, unknown> }) => !JSON.stringify(t.outputs).includes('slw_'),
      ),
    ).toBe(true);
    // Another user's tokens are not bob's to see: he may read users, so 403.
    expect((await api.request('GET', `/v1/users/${bob.id}/tokens`, { token: TEST_TOKEN })).statusCode).toBe(
      200,
    );
    const adminId = (await api.request('GET', '/v1/me')).json().userId;
    expect((await api.request('GET', `/v1/users/${adminId}/tokens`, { token: bob.token })).statusCode).toBe(
      403,
    );
  });

  it('refuses an expired token and a past expiry', async () => {
    const carol = await createActiveUser(api, 'carol', { roles: ['viewer'] });
    const past = await api.request('POST', `/v1/users/${carol.id}/tokens`, {
      token: carol.token,
      body: { name: 'old', expiresAt: '2001-01-01T00:00:00Z' },
    });
    expect(past.statusCode).toBe(400);
    const { tokens } = userRuntimeOf(api.slipway.store);
    const expired = await tokens.issue({
      userId: carol.id,
      name: 'expired',
      purpose: 'api',
      expiresAt: new Date(Date.now() - 1000).toISOString(),
      createdBy: 'carol',
      now: new Date().toISOString(),
    });
    expect((await api.request('GET', '/v1/me', { token: expired.secret })).statusCode).toBe(401);
    expect((await api.request('GET', '/v1/me', { token: carol.token })).statusCode).toBe(200);
  });

  it('cuts a user off from the moment its suspension is asked for, needs a reason, and lets it back', async () => {
    const dave = await createActiveUser(api, 'dave', { roles: ['viewer'] });
    // Verified and cached before the suspension: the cache must not keep it in.
    expect((await api.request('GET', '/v1/me', { token: dave.token })).statusCode).toBe(200);
    const noReason = await api.request('POST', `/v1/users/${dave.id}/runs`, {
      body: { target: 'suspended' },
    });
    expect(noReason.json().code).toBe('reason_required');
    const suspend = await api.request('POST', `/v1/users/${dave.id}/runs`, {
      body: { target: 'suspended', reason: 'left the team' },
    });
    expect(suspend.statusCode).toBe(202);
    expect((await api.request('GET', '/v1/me', { token: dave.token })).statusCode).toBe(401);
    expect(await api.waitForRun(suspend.json().id)).toMatchObject({
      status: 'succeeded',
      requestedBy: 'admin',
    });
    expect((await api.request('GET', '/v1/me', { token: dave.token })).statusCode).toBe(401);
    const audit = (
      await api.request('GET', `/v1/transitions?kind=user&resourceId=${dave.id}&actor=admin`)
    ).json();
    // Beside the ISSUE_TOKEN of dave's invitation, which the admin made too.
    const moves = audit.items.filter((t: { event: string }) => t.event !== 'ISSUE_TOKEN');
    expect(moves.map((t: { to: string }) => t.to)).toEqual(['suspending', 'suspended']);
    expect(moves[0]).toMatchObject({ reason: 'left the team' });

    const back = await api.request('POST', `/v1/users/${dave.id}/runs`, { body: { target: 'active' } });
    expect(await api.waitForRun(back.json().id)).toMatchObject({ status: 'succeeded' });
    expect((await api.request('GET', '/v1/me', { token: dave.token })).statusCode).toBe(200);
  });

  it('keeps roles apart: an operator may not make users, a viewer may not write', async () => {
    const erin = await createActiveUser(api, 'erin', { roles: ['operator'] });
    const made = await api.request('POST', '/v1/users', {
      token: erin.token,
      body: { name: 'mallory', spec: { roles: ['admin'] } },
    });
    expect(made.statusCode).toBe(403);
    const vic = await createActiveUser(api, 'vic', { roles: ['viewer'] });
    const image = await api.request('POST', '/v1/images', {
      token: vic.token,
      body: { name: 'x', spec: { source: 'examples/hello-app', build: 'true' } },
    });
    expect(image.statusCode).toBe(403);
  });
});

describe('failed authentications', () => {
  // An app of its own: the failures of the tests above came from 127.0.0.1 too.
  let api: TestSlipway;
  beforeAll(async () => {
    api = await startTestSlipway();
  });
  afterAll(async () => api.close());

  it('are limited per client address, while valid tokens keep working from any address', async () => {
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 100; i += 1) {
      const response = await api.slipway.app.inject({
        method: 'GET',
        url: '/v1/me',
        remoteAddress: '127.0.0.1',
        headers: { authorization: `Bearer wrong-${i}` },
      });
      statuses.push(response.statusCode);
      if (response.statusCode === 429) retryAfter ??= String(response.headers['retry-after']);
      if (i % 10 === 9) {
        for (const remoteAddress of ['127.0.0.1', '127.0.0.2']) {
          const valid = await api.slipway.app.inject({
            method: 'GET',
            url: '/v1/me',
            remoteAddress,
            headers: { authorization: `Bearer ${TEST_TOKEN}` },
          });
          expect(valid.statusCode, `valid token from ${remoteAddress} after ${i + 1} bad ones`).toBe(200);
        }
      }
    }
    expect(statuses.slice(0, FAILED_AUTH_LIMIT).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(FAILED_AUTH_LIMIT).every((status) => status === 429)).toBe(true);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    // Another address is not locked out by the first one's failures.
    const other = await api.slipway.app.inject({
      method: 'GET',
      url: '/v1/me',
      remoteAddress: '127.0.0.3',
      headers: { authorization: 'Bearer wrong' },
    });
    expect(other.statusCode).toBe(401);
  });
});
