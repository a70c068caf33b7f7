import { isAbsolute, resolve } from 'node:path';

/** Everything Slipway reads from the environment, validated at startup. */
export interface SlipwayConfig {
  host: string;
  port: number;
  /** @defaultValue ./.slipway */
  dataDir: string;
  adminToken: string | undefined;
  /** Runs walked at once by the inline executor. @defaultValue 4 */
  concurrency: number;
  /**
   * SLIPWAY_MAX_ATTEMPTS: how often one step of a run may be started (each crash or restart of
   * the process walking it starts it again) before the run fails with `attempts_exhausted`.
   * @defaultValue 5
   */
  maxAttempts: number;
  /** Directories image sources must live under; empty means anywhere. */
  imageSourceRoots: string[];
  logLevel: string;
  /** MONGO_URL: the MongoDB store instead of the embedded lmdb one. */
  mongoUrl: string | undefined;
  /** REDIS_URL: the BullMQ executor and separate workers instead of the inline executor. */
  redisUrl: string | undefined;
  /** SLIPWAY_QUEUE: the BullMQ queue, so installations can share one Redis. @defaultValue slipway-runs */
  queueName: string;
  /**
   * SLIPWAY_SECRET_KEY: the 32-byte key secrets are encrypted under, base64. Unset on the
   * embedded default, a key file in the data directory is used (generated at the first start);
   * a MongoDB deployment refuses to start without it.
   */
  secretKey: Buffer | undefined;
  /** SLIPWAY_SECRET_KEY_PREVIOUS: a key secrets may still be encrypted under, during a rotation. */
  previousSecretKey: Buffer | undefined;
  /** SLIPWAY_WORKER_HEALTH_PORT: where a worker answers /health/ready; 0 picks a free port. @defaultValue 7071 */
  workerHealthPort: number;
  /**
   * AWS_REGION (and AWS_ENDPOINT_URL for an emulator): makes the EC2 provider available to the
   * resources whose spec chooses it. Credentials come from the SDK's standard chain, checked at
   * start. Unset, only the local provider is available.
   */
  aws: AwsConfig | undefined;
}

export interface AwsConfig {
  region: string;
  /** AWS_ENDPOINT_URL: every AWS call goes there (moto in the tests) instead of the region's endpoints. */
  endpoint: string | undefined;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** A 32-byte key as base64 (`openssl rand -base64 32`); anything else is refused naming the variable. */
function secretKey(env: NodeJS.ProcessEnv, name: string): Buffer | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const key = /^[A-Za-z0-9+/]{43}=$/.test(raw) ? Buffer.from(raw, 'base64') : null;
  if (key?.length !== 32) {
    throw new ConfigError(
      name,
      'must be 32 bytes in base64 (44 characters), e.g. the output of `openssl rand -base64 32`',
    );
  }
  return key;
}

function awsConfig(env: NodeJS.ProcessEnv): AwsConfig | undefined {
  const region = env.AWS_REGION || undefined;
  const endpoint = env.AWS_ENDPOINT_URL || undefined;
  if (region === undefined) {
    if (endpoint !== undefined) {
      throw new ConfigError('AWS_REGION', 'must be set with AWS_ENDPOINT_URL, e.g. us-east-1');
    }
    return undefined;
  }
  if (!/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region)) {
    throw new ConfigError('AWS_REGION', `must be an AWS region such as eu-west-1, got "${region}"`);
  }
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+(\/\S*)?$/.test(endpoint)) {
    throw new ConfigError('AWS_ENDPOINT_URL', 'must be an http(s) URL, e.g. http://127.0.0.1:5000 for moto');
  }
  return { region, endpoint };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): SlipwayConfig {
  const aws = awsConfig(env);
  const mongoUrl = env.MONGO_URL || undefined;
  if (mongoUrl !== undefined && !/^mongodb(\+srv)?:\/\/\S+$/.test(mongoUrl)) {
    throw new ConfigError(
      'MONGO_URL',
      'must be a MongoDB connection string, e.g. mongodb://127.0.0.1:27017/slipway',
    );
  }
  const queueName = env.SLIPWAY_QUEUE || 'slipway-runs';
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(queueName)) {
    throw new ConfigError('SLIPWAY_QUEUE', 'must be 1-64 letters, digits, dots, dashes or underscores');
  }
  const redisUrl = env.REDIS_URL || undefined;
  if (redisUrl !== undefined && !/^rediss?:\/\/\S+$/.test(redisUrl)) {
    throw new ConfigError('REDIS_URL', 'must be a Redis URL, e.g. redis://127.0.0.1:6379');
  }
  const adminToken = env.SLIPWAY_ADMIN_TOKEN || undefined;
  if (adminToken !== undefined && !/^[\x21-\x7E]{16,256}$/.test(adminToken)) {
    throw new ConfigError('SLIPWAY_ADMIN_TOKEN', 'must be 16-256 printable characters without spaces');
  }
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel))
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  const roots = (env.SLIPWAY_IMAGE_SOURCE_ROOTS ?? '').split(':').filter((root) => root.length > 0);
  return {
    host: env.HOST || '127.0.0.1',
    port: integer(env, 'PORT', 7070, 0, 65535),
    dataDir: resolve(cwd, env.SLIPWAY_DATA_DIR || '.slipway'),
    adminToken,
    concurrency: integer(env, 'SLIPWAY_CONCURRENCY', 4, 1, 64),
    maxAttempts: integer(env, 'SLIPWAY_MAX_ATTEMPTS', 5, 1, 100),
    imageSourceRoots: roots.map((root) => (isAbsolute(root) ? root : resolve(cwd, root))),
    logLevel,
    mongoUrl,
    redisUrl,
    queueName,
    secretKey: secretKey(env, 'SLIPWAY_SECRET_KEY'),
    previousSecretKey: secretKey(env, 'SLIPWAY_SECRET_KEY_PREVIOUS'),
    workerHealthPort: integer(env, 'SLIPWAY_WORKER_HEALTH_PORT', 7071, 0, 65535),
    aws,
  };
}
