import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Node's arguments for starting a service's balancer. In the built product this module is bundled
 * into a dist/ program beside dist/balancer-main.js, which then runs as plain JavaScript (tsx is a
 * dev dependency, absent from production installs); run from its TypeScript source (unit tests),
 * it starts balancer-main.ts through tsx.
 */
export function balancerProgramArgs(moduleUrl: string = import.meta.url): string[] {
  if (!moduleUrl.endsWith('.ts')) {
    return ['--enable-source-maps', fileURLToPath(new URL('./balancer-main.js', moduleUrl))];
  }
  const tsx = pathToFileURL(createRequire(moduleUrl).resolve('tsx')).href;
  return ['--import', tsx, fileURLToPath(new URL('./balancer/balancer-main.ts', moduleUrl))];
}
