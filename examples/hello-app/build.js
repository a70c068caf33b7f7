// The "build" of hello-app: stamps the version the image is baked with next to server.js.
import { existsSync, writeFileSync } from 'node:fs';

const here = new URL('./', import.meta.url);
const version = process.env.SLIPWAY_IMAGE_VERSION || '0.0.0-dev';

if (!existsSync(new URL('server.js', here))) {
  console.error(`hello-app build: server.js is missing in ${here.pathname}; nothing to build.`);
  process.exit(1);
}
if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(version)) {
  console.error(
    `hello-app build: SLIPWAY_IMAGE_VERSION must look like 1.2.3 (letters, digits, . _ + -), got "${version}".`,
  );
  process.exit(1);
}

writeFileSync(new URL('VERSION', here), `${version}\n`);
console.log(`hello-app build: wrote VERSION ${version}`);
