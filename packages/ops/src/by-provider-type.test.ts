import { resolve } from 'node:path';
import type { ImageSpec, StepContext } from '@slipway/domain';
import { describe, expect, it } from 'vitest';
import { runningRun } from '../testing/running-run';
import { byProviderType } from './by-provider-type';
import { openAwsClients } from './ec2/aws-clients';
import { ec2ImageProvider } from './ec2/ec2-image-provider';
import { localImageProvider } from './local/local-image-provider';

const HELLO_APP = resolve(import.meta.dirname, '../../../examples/hello-app');
const local = localImageProvider({ dataDir: '/nonexistent-slipway-data' });
const ec2Spec: ImageSpec = {
  build: 'make',
  provider: { type: 'ec2', baseImage: 'ami-0123456789abcdef0' },
};

describe('providers chosen by spec.provider.type', () => {
  it('routes a spec without a type to the local provider, as before types existed', () => {
    const provider = byProviderType({ local });
    expect(provider.validateSpec?.({ source: HELLO_APP, build: 'true' })).toEqual([]);
    expect(provider.validateSpec?.({ build: 'true' })).toEqual([
      'spec.source: is required for the local provider; give the directory that holds the app',
    ]);
  });

  it('refuses an EC2 spec on a server without AWS configuration, naming what to set', async () => {
    const provider = byProviderType({ local }, { ec2: 'set AWS_REGION' });
    expect(provider.validateSpec?.(ec2Spec)).toEqual(['spec.provider.type: set AWS_REGION']);
    const context = {
      resource: { id: 'x', spec: ec2Spec },
      run: runningRun({
        id: 'r',
        resourceId: 'x',
        kind: 'image',
        target: 'built',
        requestedBy: 't',
        fromState: 'pending',
        step: 'build',
        attempt: 1,
      }),
    } as unknown as StepContext<ImageSpec>;
    await expect(provider.steps.build(context)).resolves.toMatchObject({
      ok: false,
      error: { code: 'aws_not_configured', message: 'set AWS_REGION' },
    });
  });

  it('routes an EC2 spec to the EC2 provider, which refuses a local source', async () => {
    const ec2 = ec2ImageProvider({ clients: await openAwsClients({ region: 'us-east-1' }) });
    const provider = byProviderType({ local, ec2 });
    expect(provider.validateSpec?.(ec2Spec)).toEqual([]);
    expect(provider.validateSpec?.({ ...ec2Spec, source: HELLO_APP })).toEqual([
      expect.stringContaining('spec.source: is a local-provider notion'),
    ]);
  });
});
