// `npm run generate:client`: regenerates packages/client/src/generated/ from the server's OpenAPI document.
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { GENERATED_CLIENT_PATH, generatedClientSource } from './client-source';

const ROOT = resolve(import.meta.dirname, '..');
await writeFile(join(ROOT, GENERATED_CLIENT_PATH), await generatedClientSource());
console.error(`generate:client: wrote ${GENERATED_CLIENT_PATH}`);
