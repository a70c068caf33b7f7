import autocannon from 'autocannon';

export interface LoadShape {
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
}

export interface Measurement {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  requests: number;
}

/**
 * A warm-up (JIT, connection pools) whose figures are thrown away, then the measured run.
 * Any error or non-2xx answer voids the figure: a fast 404 is no throughput.
 */
export async function measure(
  url: string,
  headers: Record<string, string>,
  shape: LoadShape,
): Promise<Measurement> {
  const run = (duration: number) => autocannon({ url, headers, connections: shape.connections, duration });
  await run(shape.warmupSeconds);
  const result = await run(shape.durationSeconds);
  if (result.errors > 0 || result.non2xx > 0) {
    throw new Error(
      `${url}: ${result.errors} errors and ${result.non2xx} non-2xx answers; the measurement is void`,
    );
  }
  return {
    requestsPerSecond: result.requests.average,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    requests: result.requests.total,
  };
}
