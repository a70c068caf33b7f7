import { resolve } from 'node:path';
import type { ImageSpec, Resource } from '@slipway/domain';
import { localImageProvider } from '../../../src/local/local-image-provider';
import { stepContext } from '../step-context';

const HELLO_APP = resolve(import.meta.dirname, '../../../../../examples/hello-app');

/** Bakes examples/hello-app with the real image provider, as the API would, and returns the image. */
export async function bakeHelloImage(dataDir: string, id: string, version: string): Promise<Resource> {
  const spec: ImageSpec = { source: HELLO_APP, build: 'node build.js', start: 'node server.js', version };
  const context = stepContext(spec, { id });
  const outcome = await localImageProvider({ dataDir }).steps.build!(context);
  if (!outcome.ok) throw new Error(`baking ${id}: ${outcome.error.message}\n${context.lines.join('\n')}`);
  return {
    ...context.resource,
    state: 'built',
    activeRunId: null,
    status: outcome.outputs,
  } as Resource;
}
