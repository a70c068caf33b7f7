import { describe, expect, it } from 'vitest';
import { balancerProgramArgs } from './balancer-program';

describe('balancerProgramArgs', () => {
  it('runs the compiled balancer beside a bundle with plain node', () => {
    expect(balancerProgramArgs('file:///srv/slipway/dist/main.js')).toEqual([
      '--enable-source-maps',
      '/srv/slipway/dist/balancer-main.js',
    ]);
  });

  it('runs the TypeScript balancer through tsx from the sources', () => {
    const args = balancerProgramArgs(
      import.meta.url.replace('balancer-program.test.ts', 'service-balancer.ts'),
    );
    expect(args[0]).toBe('--import');
    expect(args[1]).toMatch(/^file:.*\/tsx\//);
    expect(args[2]).toBe(new URL('./balancer/balancer-main.ts', import.meta.url).pathname);
  });
});
