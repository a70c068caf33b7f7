import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSlipway, type TestSlipway } from '../../testing/test-slipway';

let api: TestSlipway;
beforeAll(async () => {
  api = await startTestSlipway();
});
afterAll(async () => api.close());

async function durations(query: string) {
  return api.request('GET', `/v1/analytics/durations?kind=image&${query}`);
}

describe('the time window of GET /v1/analytics/durations', () => {
  it('echoes the window it read, rounded out to whole hours, not the instants as given', async () => {
    const response = await durations('since=2030-01-31T12:34:56Z&until=2030-01-31T15:00:01.5Z');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      since: '2030-01-31T12:00:00.000Z',
      until: '2030-01-31T16:00:00.000Z',
    });
    const whole = await durations('since=2030-01-31T12:00:00%2B01:00&until=2030-01-31T15:00:00Z');
    expect(whole.json()).toMatchObject({
      since: '2030-01-31T11:00:00.000Z',
      until: '2030-01-31T15:00:00.000Z',
    });
    const open = await durations('until=2030-01-31T15:30:00Z');
    expect(open.json()).toMatchObject({ since: null, until: '2030-01-31T16:00:00.000Z' });
  });

  it.each([
    ['since equal to until', 'since=2030-01-31T12:00:00Z&until=2030-01-31T12:00:00Z', 'since'],
    ['since after until', 'since=2030-02-01T00:00:00Z&until=2030-01-31T00:00:00Z', 'since'],
    ['an unparseable since', 'since=yesterday', 'since'],
    ['an unparseable until', 'until=2030-13-45T99:00:00Z', 'until'],
  ])('refuses %s with 400 invalid_time_range', async (_, query, named) => {
    const response = await durations(query);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    const problem = response.json();
    expect(problem.code).toBe('invalid_time_range');
    expect(problem.detail).toContain(`\`${named}\``);
  });
});
