import type { ServerResponse } from 'node:http';

/** RFC 9457 problem details, the same shape the API answers errors with. */
export function sendProblem(
  response: ServerResponse,
  status: number,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
): void {
  if (response.headersSent) {
    // Half an answer is already out: cutting the connection is the only honest signal left.
    response.destroy();
    return;
  }
  const body = JSON.stringify({ type: 'about:blank', title, status, detail, ...extra });
  response.writeHead(status, {
    'content-type': 'application/problem+json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  response.end(body);
}
