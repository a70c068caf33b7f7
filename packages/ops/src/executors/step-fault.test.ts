import { type KindProvider, succeeded } from '@slipway/domain';
import { describe, expect, it } from 'vitest';
import { stepFaultFrom, withStepFault } from './step-fault';

const image: KindProvider = { backend: 'scripted', steps: { build: async () => succeeded() } };
const providers = new Map([['image', image]]);

describe('the SLIPWAY_FAULT crash point', () => {
  it('is read only under NODE_ENV=test', () => {
    expect(stepFaultFrom({ SLIPWAY_FAULT: 'step:image.build' })).toBeUndefined();
    expect(stepFaultFrom({ NODE_ENV: 'production', SLIPWAY_FAULT: 'step:image.build' })).toBeUndefined();
    expect(stepFaultFrom({ NODE_ENV: 'test', SLIPWAY_FAULT: 'step:image.build' })).toBe('step:image.build');
    expect(stepFaultFrom({ NODE_ENV: 'test', SLIPWAY_FAULT: '' })).toBeUndefined();
    // The HTTP layer's fault points are not the providers' to refuse.
    expect(stepFaultFrom({ NODE_ENV: 'test', SLIPWAY_FAULT: 'http:idempotency-reserved' })).toBeUndefined();
  });

  it('leaves the providers as they are without a fault', () => {
    expect(withStepFault(providers, undefined).get('image')).toBe(image);
  });

  it('replaces only the named step', () => {
    const faulty = withStepFault(providers, 'step:image.build').get('image')!;
    expect(faulty).not.toBe(image);
    expect(faulty.backend).toBe('scripted');
    expect(faulty.steps.build).not.toBe(image.steps.build);
    expect(providers.get('image')).toBe(image);
  });

  it('refuses a name that matches no step, so a typo cannot test nothing', () => {
    for (const fault of ['step:image.bake', 'step:cluster.launch', 'image.build', 'build']) {
      expect(() => withStepFault(providers, fault)).toThrow(/^SLIPWAY_FAULT: .* names no provider step/);
    }
  });
});
