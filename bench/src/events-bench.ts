import { helloImageSpec, startTestSlipway, TEST_TOKEN } from '@slipway/api/testing';

/**
 * Store reads per second while N followers stream one run (`GET /v1/runs/{id}/events`), counted by
 * the store instrumentation (`slipway_store_operation_duration_seconds_count`). Not part of
 * `npm run bench`: a cost count, not a ratio. Run: `npx tsx bench/src/events-bench.ts`.
 */
const followers = Number(process.env.BENCH_FOLLOWERS ?? 50);
const buildSeconds = Number(process.env.BENCH_BUILD_SECONDS ?? 5);
const READS = ['getRun', 'getResource', 'listTransitions'];

const api = await startTestSlipway();
try {
  const baseUrl = await api.slipway.app.listen({ host: '127.0.0.1', port: 0 });
  const reads = async () => {
    const text = (await api.request('GET', '/metrics', { token: null })).body;
    const counts: Record<string, number> = {};
    for (const operation of READS) {
      const line = text
        .split('\n')
        .find((candidate) =>
          candidate.startsWith(
            `slipway_store_operation_duration_seconds_count{operation="${operation}",result="ok"}`,
          ),
        );
      counts[operation] = line ? Number(line.split(' ').at(-1)) : 0;
    }
    return counts;
  };
  const image = await api.request('POST', '/v1/images', {
    body: { name: 'bench-events', spec: helloImageSpec({ build: `sleep ${buildSeconds} && npm run build` }) },
  });
  const run = await api.request('POST', `/v1/images/${image.json().id}/runs`, { body: { target: 'built' } });
  const runId = run.json().id as string;
  const before = await reads();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: followers }, async () => {
      const response = await fetch(`${baseUrl}/v1/runs/${runId}/events`, {
        headers: { authorization: `Bearer ${TEST_TOKEN}` },
      });
      for await (const _chunk of response.body!) {
        // Drained until the server closes the stream after the status event.
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const after = await reads();
  const rows = READS.map((operation) => ({
    operation,
    calls: after[operation]! - before[operation]!,
    'per second': Math.round((after[operation]! - before[operation]!) / seconds),
  }));
  console.log(`${followers} followers of one run, streamed for ${seconds.toFixed(1)} s`);
  console.table(rows);
  const total = rows.reduce((sum, row) => sum + row.calls, 0);
  console.log(`store reads: ${total} in all, ${Math.round(total / seconds)} per second`);
} finally {
  await api.close();
}
