import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The spellings of a secret a leak could take: as is, base64 (both alphabets), hex, URL-encoded. */
export function secretForms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  return [
    secret,
    bytes.toString('base64'),
    bytes.toString('base64url'),
    bytes.toString('hex'),
    bytes.toString('hex').toUpperCase(),
    encodeURIComponent(secret),
    encodeURIComponent(secret).replaceAll('%20', '+'),
  ];
}

/** Every place in `haystack` one of the forms occurs, as `<where>: <form>`. */
export function findForms(where: string, haystack: Buffer | string, forms: readonly string[]): string[] {
  const bytes = typeof haystack === 'string' ? Buffer.from(haystack, 'utf8') : haystack;
  return forms.filter((form) => bytes.includes(Buffer.from(form, 'utf8'))).map((form) => `${where}: ${form}`);
}

/** Every regular file below `dir`, with its raw bytes: lmdb's data.mdb, SQLite files, an AOF, logs. */
export async function* filesBelow(dir: string): AsyncGenerator<{ path: string; bytes: Buffer }> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesBelow(path);
    else if (entry.isFile()) yield { path, bytes: await readFile(path).catch(() => Buffer.alloc(0)) };
  }
}

export async function searchFiles(
  dir: string,
  forms: readonly string[],
): Promise<{ hits: string[]; files: number }> {
  const hits: string[] = [];
  let files = 0;
  for await (const file of filesBelow(dir)) {
    files += 1;
    hits.push(...findForms(file.path, file.bytes, forms));
  }
  return { hits, files };
}
