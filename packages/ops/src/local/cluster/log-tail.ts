import { open } from 'node:fs/promises';

/** How much of the end of a log is read: an instance may have written gigabytes before it died. */
const TAIL_BYTES = 64 * 1024;
const MAX_LINE_CHARS = 500;

/** The last non-empty lines of a log, to explain why a process died at start. */
export async function logTail(path: string, lines = 5): Promise<string> {
  const text = await readEnd(path).catch(() => ({ text: '', whole: true }));
  const all = text.text.split('\n');
  // A window that starts mid-file starts mid-line: that first piece is not a line.
  if (!text.whole) all.shift();
  const tail = all
    .map((line) => line.trimEnd())
    .filter((line) => line.length > 0)
    .slice(-lines)
    .map((line) => (line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line));
  return tail.length > 0 ? tail.join(' | ') : '(the log is empty)';
}

async function readEnd(path: string): Promise<{ text: string; whole: boolean }> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await file.read(buffer, 0, length, size - length);
    return { text: buffer.subarray(0, bytesRead).toString('utf8'), whole: length === size };
  } finally {
    await file.close();
  }
}
