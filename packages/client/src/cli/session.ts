import { createSlipwayClient, type Problem, type SlipwayClient } from '../slipway-client';
import { configPath, readLogin } from './config-file';
import { CliExit, EXIT } from './exit-codes';
import { createOutput, type Output } from './output';

export interface GlobalOptions {
  json?: boolean;
  url?: string;
  token?: string;
}

/** What every command that talks to the API gets: the typed client, where it points, and the output. */
export interface Session {
  client: SlipwayClient;
  baseUrl: string;
  token: string;
  output: Output;
}

/** Flags first, then SLIPWAY_URL / SLIPWAY_TOKEN, then the file `slipway login` wrote. */
export async function openSession(options: GlobalOptions): Promise<Session> {
  const output = createOutput(options.json === true);
  const saved = await readLogin(configPath());
  const baseUrl = options.url ?? process.env.SLIPWAY_URL ?? saved.url ?? 'http://127.0.0.1:7070';
  const token = options.token ?? process.env.SLIPWAY_TOKEN ?? saved.token;
  if (!token) {
    throw new CliExit(
      EXIT.usage,
      `slipway: no token: set SLIPWAY_TOKEN, pass --token, or run \`slipway login --url ${baseUrl} --token <token>\` once (the server prints the admin token at first start)`,
    );
  }
  return { client: createSlipwayClient({ baseUrl, token }), baseUrl, token, output };
}

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The answer's body, or a CliExit carrying the server's problem (and "cannot reach" when there is none). */
export async function call<T>(session: Pick<Session, 'baseUrl'>, request: Promise<Answer<T>>): Promise<T> {
  let answer: Answer<T>;
  try {
    answer = await request;
  } catch (error) {
    throw unreachable(session.baseUrl, error);
  }
  if (answer.error !== undefined || !answer.response.ok) throw refused(answer.response.status, answer.error);
  return answer.data as T;
}

export function unreachable(baseUrl: string, error: unknown): CliExit {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
  return new CliExit(
    EXIT.unreachable,
    `slipway: cannot reach Slipway at ${baseUrl} (${cause}); is the server running (npm start), and is SLIPWAY_URL right?`,
  );
}

export function refused(status: number, body: unknown): CliExit {
  const problem = body as Partial<Problem> | undefined;
  const detail = problem?.detail ?? (typeof body === 'string' ? body : JSON.stringify(body));
  const fields = (problem?.errors ?? []).map((field) => `\n  ${field.path}: ${field.message}`).join('');
  return new CliExit(
    EXIT.refused,
    `slipway: ${problem?.title ?? `HTTP ${status}`}: ${detail}${problem?.code ? ` (${problem.code})` : ''}${fields}`,
    body,
  );
}
