import { readJson, writeJsonAtomic } from './json-file';

/**
 * `<dataDir>/services/<service>/balancer.json`: how to find and steer the service's balancer after
 * a restart of the API (or of the machine), and which cluster it should be serving.
 */
export interface BalancerRecord {
  service: string;
  host: string;
  port: number;
  /** 'spec' when a cluster named the port; 'picked' when we chose a free one. */
  portFrom: 'spec' | 'picked';
  adminPort: number;
  /** Needed to change the upstream set; the file is kept private (0600) for that reason. */
  token: string;
  pid: number;
  startedAt: string;
  logFile: string;
  clusterId: string | null;
  upstreams: string[];
  generation: number;
  /** What the balancer served before the last promote, so a cancelled promote can put it back. */
  previous: { clusterId: string | null; upstreams: string[] } | null;
}

export async function readBalancerRecord(path: string): Promise<BalancerRecord | null> {
  const value = await readJson(path);
  if (value === null) return null;
  const record = value as Partial<BalancerRecord>;
  if (
    typeof record.service !== 'string' ||
    !Number.isInteger(record.port) ||
    !Number.isInteger(record.adminPort) ||
    typeof record.token !== 'string'
  ) {
    throw new Error(`${path} does not hold a balancer record`);
  }
  return record as BalancerRecord;
}

export function writeBalancerRecord(path: string, record: BalancerRecord): Promise<void> {
  return writeJsonAtomic(path, record, 0o600);
}

export function balancerUrl(record: BalancerRecord): string {
  // A wildcard address is where the balancer listens, not an address to send requests to.
  const host = record.host === '0.0.0.0' || record.host === '::' ? '127.0.0.1' : record.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${record.port}`;
}

export function adminUrl(record: BalancerRecord): string {
  return `http://127.0.0.1:${record.adminPort}`;
}

/** Order does not matter to a round-robin set. */
export function sameUpstreams(a: string[], b: string[]): boolean {
  const sortedB = [...b].sort();
  return a.length === b.length && [...a].sort().every((value, index) => value === sortedB[index]);
}
