/**
 * The script a `node …` start command runs, e.g. `server.js` from `node --enable-source-maps
 * server.js`; null for any other command, whose needs the image cannot know.
 */
export function nodeEntryFile(start: string): string | null {
  const [program, ...args] = start.trim().split(/\s+/);
  if (program !== 'node') return null;
  const entry = args.find((arg) => !arg.startsWith('-'));
  return entry ? entry.replace(/^(['"])(.*)\1$/, '$2') : null;
}
