import type { Run, Transition } from '@slipway/domain';
import { createParser } from 'eventsource-parser';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helloImageSpec, startTestSlipway, TEST_TOKEN, type TestSlipway } from '../../testing/test-slipway';

let api: TestSlipway;
let baseUrl = '';

beforeAll(async () => {
  api = await startTestSlipway();
  baseUrl = await api.slipway.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => api.close());

interface Event {
  event: string;
  id?: string;
  data: Record<string, unknown>;
}

/** Reads the stream until `until` says so (or it ends), then drops the connection. */
async function follow(
  runId: string,
  options: { lastEventId?: string; until?: (event: Event) => boolean } = {},
): Promise<Event[]> {
  const abort = new AbortController();
  const response = await fetch(`${baseUrl}/v1/runs/${runId}/events`, {
    headers: {
      authorization: `Bearer ${TEST_TOKEN}`,
      ...(options.lastEventId ? { 'last-event-id': options.lastEventId } : {}),
    },
    signal: abort.signal,
  });
  expect(response.status).toBe(200);
  const events: Event[] = [];
  const parser = createParser({
    onEvent: (message) =>
      events.push({ event: message.event ?? 'message', id: message.id, data: JSON.parse(message.data) }),
  });
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response.body!) {
      parser.feed(decoder.decode(chunk, { stream: true }));
      if (options.until && events.some(options.until)) break;
    }
  } finally {
    abort.abort();
  }
  return events;
}

async function storeCalls(operation: string): Promise<number> {
  const text = (await api.request('GET', '/metrics', { token: null })).body;
  const line = text
    .split('\n')
    .find((candidate) =>
      candidate.startsWith(
        `slipway_store_operation_duration_seconds_count{operation="${operation}",result="ok"}`,
      ),
    );
  return line ? Number(line.split(' ').at(-1)) : 0;
}

const transitionsOf = (events: Event[]) => events.filter((event) => event.event === 'transition');

describe('GET /v1/runs/{id}/events', () => {
  it('shares one poller between the followers of a run: 20 followers do not list its transitions 20 times', async () => {
    const image = await api.request('POST', '/v1/images', {
      body: { name: 'events-shared', spec: helloImageSpec({ build: 'sleep 1 && npm run build' }) },
    });
    const run = await api.request('POST', `/v1/images/${image.json().id}/runs`, {
      body: { target: 'built' },
    });
    expect(run.statusCode).toBe(202);
    const before = await storeCalls('listTransitions');
    const followers = await Promise.all(Array.from({ length: 20 }, () => follow(run.json().id)));
    const listings = (await storeCalls('listTransitions')) - before;
    for (const events of followers) {
      expect(transitionsOf(events).map((event) => event.id)).toEqual(['1', '2']);
      expect(events.at(-1)).toMatchObject({ event: 'status', data: { status: 'succeeded' } });
    }
    // One listing per change of the run (queued, running, built, finished), whoever follows it.
    expect(listings).toBeLessThanOrEqual(6);
    parsePrometheusTextFormat((await api.request('GET', '/metrics', { token: null })).body);
  }, 60_000);

  it('resumes by position in the run, so a record from a host with a slow clock is not skipped', async () => {
    const store = api.slipway.store;
    const image = await api.request('POST', '/v1/images', {
      body: { name: 'events-skew', spec: helloImageSpec() },
    });
    const resourceId = image.json().id as string;
    const now = Date.now();
    // A run no executor walks: this test writes its records as two hosts would.
    const run: Run = {
      id: ulid(now),
      resourceId,
      kind: 'image',
      target: 'built',
      action: null,
      status: 'running',
      requestedBy: 'admin',
      reason: null,
      force: false,
      requestId: null,
      idempotencyKey: null,
      fromState: 'pending',
      step: 'build',
      attempt: 1,
      error: null,
      cancelRequestedBy: null,
      cancelReason: null,
      createdAt: new Date(now).toISOString(),
      startedAt: new Date(now).toISOString(),
      finishedAt: null,
      durationMs: null,
      groups: {},
      failingSince: null,
    };
    await store.startRun(run);
    const record = (seq: number, from: string, to: string, event: string, at: number) => {
      const transition: Transition = {
        id: ulid(at),
        seq,
        resourceId,
        kind: 'image',
        runId: run.id,
        from,
        to,
        event,
        attempt: 1,
        startedAt: new Date(at).toISOString(),
        endedAt: new Date(at).toISOString(),
        durationMs: 0,
        outcome: event === 'BUILD' ? 'requested' : 'succeeded',
        error: null,
        outputs: {},
        log: '',
        actor: 'admin',
        target: 'built',
        reason: null,
        requestId: null,
        step: event === 'BUILD' ? null : 'build',
        groups: {},
      };
      return store.recordTransition({ transition, releaseName: false });
    };
    // The first host's clock is a minute ahead of the second's, which resumes the run.
    await record(1, 'pending', 'building', 'BUILD', now + 60_000);
    const first = await follow(run.id, { until: (event) => event.event === 'transition' });
    expect(transitionsOf(first).map((event) => event.id)).toEqual(['1']);
    await record(2, 'building', 'built', 'SUCCESS', now);
    await store.finishRun(run.id, ['running'], {
      status: 'succeeded',
      error: null,
      finishedAt: new Date(now + 1).toISOString(),
      durationMs: 1,
    });

    const resumed = await follow(run.id, { lastEventId: '1' });
    expect(transitionsOf(resumed).map((event) => [event.id, event.data.to])).toEqual([['2', 'built']]);
    expect(resumed.at(-1)).toMatchObject({ event: 'status', data: { status: 'succeeded' } });
    const whole = await follow(run.id);
    expect(transitionsOf(whole).map((event) => event.data.to)).toEqual(['building', 'built']);
    const late = await follow(run.id, { lastEventId: '2' });
    expect(transitionsOf(late)).toEqual([]);
    expect(late.at(-1)).toMatchObject({ event: 'status' });
  });

  it('refuses a Last-Event-ID that is not a position with 400 problem+json, before any stream', async () => {
    const image = await api.request('POST', '/v1/images', {
      body: { name: 'events-bad-id', spec: helloImageSpec() },
    });
    const run = await api.request('POST', `/v1/images/${image.json().id}/runs`, {
      body: { target: 'built' },
    });
    for (const bad of ['zzz', '01JBADULID000000000000000', '-1', '1.5']) {
      const response = await api.request('GET', `/v1/runs/${run.json().id}/events`, {
        headers: { 'last-event-id': bad },
      });
      expect(response.statusCode, bad).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toMatchObject({ code: 'validation_failed' });
      expect(response.json().detail ?? response.json().message ?? '').toMatch(/last-event-id/i);
    }
    await api.waitForRun(run.json().id);
  });
});
