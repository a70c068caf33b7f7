import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { GENERATED_CLIENT_PATH, generatedClientSource } from '../../scripts/client-source';

const ROOT = join(import.meta.dirname, '..', '..');

it('the checked-in typed client matches the server’s OpenAPI document (else: npm run generate:client)', async () => {
  const checkedIn = await readFile(join(ROOT, GENERATED_CLIENT_PATH), 'utf8');
  const fresh = await generatedClientSource();
  // One line of advice rather than a 5000-line diff when it is stale.
  expect(
    checkedIn === fresh,
    `${GENERATED_CLIENT_PATH} is stale: run \`npm run generate:client\` and commit it`,
  ).toBe(true);
}, 60_000);
