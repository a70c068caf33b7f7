import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import type { Agent, Dispatcher } from 'undici';
import { sendProblem } from './problem';
import type { UpstreamTable } from './upstream-set';

/** Headers that describe one connection, not the message: never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  // Node's server has already answered 100-continue to the client; undici refuses to send it on.
  'expect',
]);

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/**
 * Socket-level failures that happen before an upstream has produced any answer: the request did
 * not reach the app (or reached one that died), so sending it to another instance is safe for an
 * idempotent method.
 */
const CONNECTION_FAILURES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const UPSTREAM_TIMEOUT_MS = 30_000;

export function proxyHandler(
  table: UpstreamTable,
  agent: Agent,
  service: string,
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    void forward(request, response, table, agent, service);
  };
}

async function forward(
  request: IncomingMessage,
  response: ServerResponse,
  table: UpstreamTable,
  agent: Agent,
  service: string,
): Promise<void> {
  const choice = table.pick();
  if (!choice) {
    sendProblem(
      response,
      503,
      'No upstream',
      `service ${service} has no live cluster: promote a cluster to send it traffic`,
      { service },
    );
    return;
  }
  const abort = new AbortController();
  // The client gave up: stop the upstream request too rather than finish it for nobody.
  response.once('close', () => {
    if (!response.writableFinished) abort.abort();
  });
  const method = request.method ?? 'GET';
  const hasBody = requestHasBody(request);
  // A streamed body is consumed by the first attempt, so only bodiless requests are replayed.
  const replayable = IDEMPOTENT.has(method) && !hasBody;
  const headers = forwardedHeaders(request);
  const send = (origin: string) =>
    agent.request({
      origin,
      path: request.url ?? '/',
      method: method as Dispatcher.HttpMethod,
      headers: { ...headers, host: new URL(origin).host },
      body: hasBody ? request : null,
      signal: abort.signal,
      headersTimeout: UPSTREAM_TIMEOUT_MS,
      bodyTimeout: UPSTREAM_TIMEOUT_MS,
    });

  let answer: Dispatcher.ResponseData;
  try {
    answer = await send(choice.first);
  } catch (first) {
    if (abort.signal.aborted) return;
    if (!replayable || !CONNECTION_FAILURES.has(codeOf(first))) {
      failUpstream(response, service, [[choice.first, first]]);
      return;
    }
    try {
      answer = await send(choice.retry);
    } catch (second) {
      if (!abort.signal.aborted)
        failUpstream(response, service, [
          [choice.first, first],
          [choice.retry, second],
        ]);
      return;
    }
  }
  response.writeHead(answer.statusCode, responseHeaders(answer.headers));
  pipeline(answer.body, response, (error) => {
    // Headers are out: a body that breaks off can only be signalled by closing the connection.
    if (error) response.destroy();
  });
}

function requestHasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function forwardedHeaders(request: IncomingMessage): Record<string, string | string[]> {
  const named = (request.headers.connection ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name.length > 0);
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name === 'host' || HOP_BY_HOP.has(name) || named.includes(name)) continue;
    headers[name] = value;
  }
  const client = request.socket.remoteAddress ?? 'unknown';
  const prior = request.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = prior ? `${prior}, ${client}` : client;
  if (request.headers.host) headers['x-forwarded-host'] = request.headers.host;
  headers['x-forwarded-proto'] = 'http';
  return headers;
}

function responseHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const named = String(headers.connection ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase());
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.includes(name)) continue;
    kept[name] = value;
  }
  return kept;
}

function failUpstream(response: ServerResponse, service: string, attempts: [string, unknown][]): void {
  const timedOut = attempts.some(([, error]) => codeOf(error).includes('TIMEOUT'));
  const tried = attempts.map(([origin, error]) => `${origin} (${codeOf(error) || messageOf(error)})`);
  sendProblem(
    response,
    timedOut ? 504 : 502,
    timedOut ? 'Upstream timeout' : 'Bad gateway',
    `service ${service}: no upstream answered; tried ${tried.join(', ')}`,
    { service },
  );
}

function codeOf(error: unknown): string {
  if (error instanceof Error) {
    if ('code' in error && typeof error.code === 'string') return error.code;
    // undici wraps some socket errors; the system code sits in `cause`.
    const cause = error.cause;
    if (cause instanceof Error && 'code' in cause && typeof cause.code === 'string') return cause.code;
  }
  return '';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
