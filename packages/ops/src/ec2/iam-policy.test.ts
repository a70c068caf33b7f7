import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ImageSpec, StepContext } from '@slipway/domain';
import { afterEach, describe, expect, it } from 'vitest';
import { slowBuilders } from '../../testing/ec2/injections';
import {
  MOTO_BASE_IMAGE,
  MOTO_MISSING,
  MOTO_POLL,
  motoEndpoint,
  motoSettings,
  newMotoAccount,
} from '../../testing/ec2/moto';
import { runningRun } from '../../testing/running-run';
import { type AwsClients, type AwsMiddleware, closeAwsClients, openAwsClients } from './aws-clients';
import { ec2ImageProvider } from './ec2-image-provider';

const POLICY = resolve(import.meta.dirname, '../../../../docs/ec2-iam-policy.json');
// Actions AWS checks without a call of their own: tags in RunInstances' and CreateImage's
// TagSpecifications need ec2:CreateTags; an instance profile on the builder needs iam:PassRole.
const IMPLICIT = ['ec2:CreateTags', 'iam:PassRole'];

const inCi = process.env.CI === 'true';
const moto = motoEndpoint();
if (!moto && !inCi) process.stderr.write(`iam-policy.test.ts: skipped: ${MOTO_MISSING}\n`);

function policyActions(): string[] {
  const policy = JSON.parse(readFileSync(POLICY, 'utf8')) as { Statement: { Action: string | string[] }[] };
  return policy.Statement.flatMap((statement) => [statement.Action].flat());
}

/** Records `service:Action` for every call a client sends, as IAM names it. */
function recording(calls: Set<string>): AwsMiddleware {
  return (stack) =>
    stack.add(
      (next, context) => async (args) => {
        const service = String(context.clientName)
          .replace(/Client$/, '')
          .toLowerCase();
        calls.add(`${service}:${String(context.commandName).replace(/Command$/, '')}`);
        return next(args);
      },
      { step: 'initialize', name: 'recordCalls' },
    );
}

function context(
  id: string,
  spec: ImageSpec,
  step: 'build' | 'destroy',
  signal: AbortSignal,
): StepContext<ImageSpec> {
  const now = new Date().toISOString();
  return {
    resource: {
      id,
      kind: 'image',
      name: id,
      state: 'building',
      version: 1,
      seq: 0,
      spec,
      status: {},
      labels: {},
      activeRunId: `run-${id}`,
      createdAt: now,
      updatedAt: now,
    },
    run: runningRun({
      id: `run-${id}`,
      resourceId: id,
      kind: 'image',
      target: 'built',
      requestedBy: 'test',
      fromState: 'pending',
      step,
      attempt: 1,
    }),
    step,
    attempt: 1,
    idempotencyToken: `run-${id}:${step}`,
    signal,
    log: () => {},
  };
}

describe.runIf(moto !== null || inCi)('the IAM policy in docs/ec2-iam-policy.json', () => {
  const opened: AwsClients[] = [];
  afterEach(() => {
    for (const clients of opened.splice(0)) closeAwsClients(clients);
  });

  it('lists exactly the actions the EC2 image provider calls (bake by SSM parameter and by AMI id, destroy, cancel)', async () => {
    if (!moto) expect.fail(MOTO_MISSING);
    const calls = new Set<string>();
    const clients = await openAwsClients(
      motoSettings(newMotoAccount(), [recording(calls), slowBuilders('t3.nano')]),
    );
    opened.push(clients);
    const provider = ec2ImageProvider({ clients, poll: MOTO_POLL });
    const live = new AbortController().signal;
    const bySsm: ImageSpec = { build: 'true', provider: { type: 'ec2', baseImage: MOTO_BASE_IMAGE } };
    const baked = await provider.steps.build(context('iam1', bySsm, 'build', live));
    expect(baked.ok, JSON.stringify(baked)).toBe(true);
    const amiId = baked.ok ? String(baked.outputs.baseAmi) : '';
    const byId: ImageSpec = { build: 'true', provider: { type: 'ec2', baseImage: amiId } };
    expect((await provider.steps.build(context('iam2', byId, 'build', live))).ok).toBe(true);
    for (const id of ['iam1', 'iam2']) {
      expect((await provider.steps.destroy(context(id, bySsm, 'destroy', live))).ok).toBe(true);
    }
    // A cancelled bake: its builder is held booting until the abort, then cleaned up.
    const abort = new AbortController();
    const slow: ImageSpec = {
      build: 'true',
      provider: { type: 'ec2', baseImage: amiId, instanceType: 't3.nano' },
    };
    const cancelled = context('iam3', slow, 'build', abort.signal);
    const pending = provider.steps.build(cancelled);
    setImmediate(() => abort.abort('cancelled'));
    expect((await pending).ok).toBe(false);
    await provider.cleanup?.(cancelled);

    expect([...new Set([...calls, ...IMPLICIT])].sort()).toEqual(policyActions().sort());
  });
});
