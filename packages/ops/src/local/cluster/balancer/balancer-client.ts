import { request } from 'node:http';
import type { UpstreamState } from './upstream-set';

/** What a balancer says about itself on its admin endpoint. */
export interface BalancerState extends UpstreamState {
  service: string;
  pid: number;
}

/**
 * Admin calls use a fresh connection each time: they are rare, and a kept-alive socket to a
 * balancer that has since been replaced on the same port would fail the first call after it.
 */
function call(
  adminUrl: string,
  method: 'GET' | 'PUT',
  timeoutMs: number,
  options: { token?: string; body?: unknown } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const outgoing = request(
      `${adminUrl}/upstreams`,
      {
        method,
        agent: false,
        timeout: timeoutMs,
        headers: {
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.once('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.once('error', reject);
      },
    );
    outgoing.once('timeout', () => outgoing.destroy(new Error(`no answer within ${timeoutMs}ms`)));
    outgoing.once('error', reject);
    outgoing.end(payload);
  });
}

/** The balancer's state, or null when nothing (or nothing sensible) answers at `adminUrl`. */
export async function readBalancerState(adminUrl: string, timeoutMs: number): Promise<BalancerState | null> {
  try {
    const { status, body } = await call(adminUrl, 'GET', timeoutMs);
    if (status !== 200) return null;
    const state = JSON.parse(body) as Partial<BalancerState>;
    if (typeof state.service !== 'string' || !Array.isArray(state.upstreams)) return null;
    return state as BalancerState;
  } catch {
    return null;
  }
}

/** Replaces the balancer's upstream set; throws with the balancer's own explanation on refusal. */
export async function replaceUpstreams(
  adminUrl: string,
  token: string,
  set: { clusterId: string | null; upstreams: string[] },
  timeoutMs: number,
): Promise<BalancerState> {
  const { status, body } = await call(adminUrl, 'PUT', timeoutMs, { token, body: set });
  if (status !== 200) {
    let detail = body;
    try {
      detail = (JSON.parse(body) as { detail?: string }).detail ?? body;
    } catch {}
    throw new Error(`balancer at ${adminUrl} refused the upstream set (${status}): ${detail}`);
  }
  return JSON.parse(body) as BalancerState;
}
