import { randomBytes, randomInt } from 'node:crypto';
import type { AwsMiddleware, AwsSettings } from '../../src/ec2/aws-clients';
import { motoAccount } from '../../src/ec2/aws-test-hooks';

export { motoAccount };

/**
 * moto, the EC2/ELBv2/SSM emulator, as the test suites reach it: `AWS_ENDPOINT_URL` (which
 * scripts/ci-services.sh exports). Null when unset: suites then skip, except under CI=true.
 */
export function motoEndpoint(): string | null {
  return process.env.AWS_ENDPOINT_URL || null;
}

export const MOTO_MISSING =
  'AWS_ENDPOINT_URL is not set: start moto with `bash scripts/ci-services.sh` and source .tools/ci-services.env';

/**
 * A fresh 12-digit moto account. Each suite works in its own (moto keeps accounts apart by the
 * `x-moto-account-id` header), because `/moto-api/reset` would wipe every other suite's too.
 */
export function newMotoAccount(): string {
  return `${randomInt(1, 10)}${String(randomInt(0, 100_000_000_000)).padStart(11, '0')}`;
}

/** Client settings for moto: its endpoint, a region, and credentials no real account has. */
export function motoSettings(accountId: string, middleware: readonly AwsMiddleware[] = []): AwsSettings {
  return {
    region: process.env.AWS_REGION || 'us-east-1',
    endpoint: motoEndpoint() ?? 'http://127.0.0.1:5000',
    credentials: { accessKeyId: 'AKIAMOTOTEST', secretAccessKey: randomBytes(20).toString('hex') },
    middleware: [motoAccount(accountId), ...middleware],
    maxAttempts: 3,
  };
}

/** The SSM public parameter tests bake from: moto answers it with one of its built-in AMIs. */
export const MOTO_BASE_IMAGE = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';

/** Polling for moto, which answers at once: short pauses, still a bound. */
export const MOTO_POLL = { delayMs: 20, maxDelayMs: 200, timeoutMs: 30_000 };
