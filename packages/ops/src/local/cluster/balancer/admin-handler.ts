import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendProblem } from './problem';
import { parseOrigin, type UpstreamTable } from './upstream-set';

const MAX_BODY_BYTES = 64 * 1024;

/**
 * The loopback endpoint the provider steers the balancer with. `GET /upstreams` reads the set in
 * force; `PUT /upstreams` with `{clusterId, upstreams}` replaces it in one step and answers the new
 * generation. Writes need the token from balancer.json: loopback alone would let any local user
 * redirect the service's traffic.
 */
export function adminHandler(
  table: UpstreamTable,
  service: string,
  token: string,
  log: (line: string) => void = () => {},
): (request: IncomingMessage, response: ServerResponse) => void {
  const expected = Buffer.from(`Bearer ${token}`);
  const describe = () => ({ service, pid: process.pid, ...table.current });
  return (request, response) => {
    const path = new URL(request.url ?? '/', 'http://admin').pathname;
    if (path !== '/upstreams') {
      sendProblem(response, 404, 'Not found', `no admin route ${request.method} ${path}; use /upstreams`);
      return;
    }
    if (request.method === 'GET') {
      sendJson(response, 200, describe());
      return;
    }
    if (request.method !== 'PUT') {
      sendProblem(response, 405, 'Method not allowed', 'use GET or PUT on /upstreams');
      return;
    }
    const given = Buffer.from(request.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      sendProblem(response, 401, 'Unauthorized', 'PUT /upstreams needs the bearer token from balancer.json');
      return;
    }
    void readBody(request).then(
      (text) => {
        const parsed = parseReplacement(text);
        if (typeof parsed === 'string') {
          sendProblem(response, 400, 'Bad upstream set', parsed);
          return;
        }
        const state = table.replace(parsed.clusterId, parsed.upstreams);
        log(
          `generation ${state.generation}: cluster ${state.clusterId ?? 'none'}, upstreams ${state.upstreams.join(' ') || 'none'}`,
        );
        sendJson(response, 200, describe());
      },
      (error: Error) => sendProblem(response, 413, 'Body too large', error.message),
    );
  };
}

function parseReplacement(text: string): { clusterId: string | null; upstreams: string[] } | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'expected a JSON body {"clusterId": string | null, "upstreams": ["http://host:port", ...]}';
  }
  if (value === null || typeof value !== 'object') return 'expected a JSON object';
  const { clusterId, upstreams } = value as Record<string, unknown>;
  if (clusterId !== null && (typeof clusterId !== 'string' || clusterId.length === 0)) {
    return 'clusterId must be a non-empty string, or null for no cluster';
  }
  if (!Array.isArray(upstreams)) return 'upstreams must be an array of http origins';
  const origins: string[] = [];
  for (const upstream of upstreams) {
    const origin = parseOrigin(upstream);
    if (!origin)
      return `upstream ${JSON.stringify(upstream)} is not an http origin like http://127.0.0.1:8080`;
    origins.push(origin);
  }
  if (clusterId === null && origins.length > 0) return 'upstreams without a clusterId: name the cluster';
  return { clusterId, upstreams: origins };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`the body exceeds ${MAX_BODY_BYTES} bytes`));
        request.destroy();
      } else chunks.push(chunk);
    });
    request.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.once('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  response.end(body);
}
