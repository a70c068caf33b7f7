import { Redis, type RedisOptions } from 'ioredis';

/** Where Redis is: a `redis://` / `rediss://` URL (as in REDIS_URL), or ioredis options. */
export type RedisTarget = string | RedisOptions;

/** What a client is for, which decides how it behaves while Redis is away. */
export type RedisRole =
  /** Queue commands from the API side: fail fast so a request is never held up by Redis. */
  | 'commands'
  /** A BullMQ worker's connection: BullMQ needs commands to wait for a reconnect, never to give up. */
  | 'worker'
  /** The cancellation subscription: reconnects and resubscribes on its own. */
  | 'subscriber';

export interface OpenRedisOptions {
  role: RedisRole;
  /**
   * How long the first connection and PING may take before startup fails.
   * @defaultValue 5000
   */
  timeoutMs?: number;
}

/**
 * Opens a client and proves it with a PING, so a wrong or unreachable REDIS_URL fails startup at
 * once with a message naming the variable, instead of retrying in the background for ever.
 */
export async function openRedis(target: RedisTarget, options: OpenRedisOptions): Promise<Redis> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const client = createClient(target, options.role, timeoutMs);
  // ioredis emits each failed attempt as an error event and rejects connect() with a bare
  // "Connection is closed"; the event says why (ECONNREFUSED, WRONGPASS...). After the first
  // connect the owner attaches its own listener.
  let lastError: unknown = null;
  const remember = (error: unknown) => {
    lastError = error;
  };
  client.on('error', remember);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect().then(() => client.ping()),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs}ms`)), timeoutMs);
      }),
    ]);
    return client;
  } catch (error) {
    client.disconnect();
    const cause = lastError ?? error;
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new Error(`${describeRedisTarget(target)}: no Redis server answered (${detail})`, { cause });
  } finally {
    clearTimeout(timer);
    client.off('error', remember);
  }
}

function createClient(target: RedisTarget, role: RedisRole, timeoutMs: number): Redis {
  const options: RedisOptions = {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    // BullMQ requires null on connections it blocks on; the API side fails fast instead.
    maxRetriesPerRequest: role === 'commands' ? 1 : null,
    enableOfflineQueue: role !== 'commands',
    // Quick reconnects: a Redis restart should cost seconds, not the ioredis default backoff.
    retryStrategy: (times) => Math.min(100 * times, 1000),
  };
  if (typeof target !== 'string') return new Redis({ ...target, ...options });
  checkUrl(target);
  return new Redis(target, options);
}

function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`REDIS_URL is not a usable Redis URL: "${redactUrl(url)}" (expected redis://host:port)`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(
      `REDIS_URL is not a usable Redis URL: "${redactUrl(url)}" has the scheme ${parsed.protocol} (expected redis:// or rediss://)`,
    );
  }
}

/** Names the setting and the address for error messages, never the password. */
export function describeRedisTarget(target: RedisTarget): string {
  if (typeof target === 'string') return `REDIS_URL (${redactUrl(target)})`;
  return `Redis at ${target.host ?? '127.0.0.1'}:${target.port ?? 6379}`;
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
