import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type ImageSpec, imageKind } from '@slipway/domain';
import { describeProviderContract } from '../../testing/provider-contract';
import { findMarkedProcesses } from './cluster/marked-processes';
import { localImageProvider } from './local-image-provider';
import { imagePaths } from './paths';
import { IMAGE_DIR_ENV } from './stale-build';

const HELLO_APP = resolve(import.meta.dirname, '../../../../examples/hello-app');
const SECRET_ENV = 'SLIPWAY_CONTRACT_SECRET';

const spec = (build: string): ImageSpec => ({
  source: HELLO_APP,
  // Prints the API's secret if it ever reached the build's environment.
  build: `echo "secret: [$${SECRET_ENV}]"; ${build}`,
  start: 'node server.js',
  version: '1.2.3',
});

describeProviderContract({
  name: 'local image provider',
  kind: imageKind,
  async open() {
    const dataDir = await realpath(await mkdtemp(join(tmpdir(), 'slipway-image-contract-')));
    const secret = randomBytes(16).toString('hex');
    process.env[SECRET_ENV] = secret;
    const provider = localImageProvider({ dataDir, killGraceMs: 1000 });
    const footprint = async (id: string) => {
      const { imageDir } = imagePaths(dataDir, id);
      const processes = await findMarkedProcesses(IMAGE_DIR_ENV, (value) => value === imageDir);
      return [
        ...(existsSync(imageDir) ? [imageDir] : []),
        ...processes.map((process) => `build process ${process.pid}`),
      ];
    };
    return {
      provider,
      spec: spec('node build.js'),
      path: [
        { step: 'build', state: 'building' },
        { step: 'destroy', state: 'destroying' },
      ],
      async unmet(step, resource) {
        const { appDir, imageDir } = imagePaths(dataDir, resource.id);
        if (step === 'destroy') return existsSync(imageDir) ? [`${imageDir} is still there`] : [];
        const files = await readdir(appDir).catch(() => [] as string[]);
        return ['server.js', 'VERSION']
          .filter((file) => !files.includes(file))
          .map((file) => `${file} missing`);
      },
      footprint: (resource) => footprint(resource.id),
      // The build exits 0 but removes the start command's entry file: the image cannot start.
      unprovable: { step: 'build', spec: spec('node build.js && rm server.js') },
      slow: { step: 'build', spec: spec('sleep 30') },
      secrets: async () => [secret],
      async close() {
        delete process.env[SECRET_ENV];
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
});
