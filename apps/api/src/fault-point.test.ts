import { describe, expect, it } from 'vitest';
import { faultPoint } from './fault-point';

describe('the http: fault point', () => {
  it('does nothing unless NODE_ENV=test and SLIPWAY_FAULT names it', async () => {
    await expect(faultPoint('x', {})).resolves.toBeUndefined();
    await expect(faultPoint('x', { SLIPWAY_FAULT: 'http:x' })).resolves.toBeUndefined();
    await expect(
      faultPoint('x', { NODE_ENV: 'production', SLIPWAY_FAULT: 'http:x' }),
    ).resolves.toBeUndefined();
    await expect(faultPoint('x', { NODE_ENV: 'test', SLIPWAY_FAULT: 'http:y' })).resolves.toBeUndefined();
    await expect(faultPoint('x', { NODE_ENV: 'test', SLIPWAY_FAULT: 'x' })).resolves.toBeUndefined();
  });
});
