import type { Readable } from 'node:stream';

/**
 * Longest line kept from a child's output: it bounds what we hold, and with the cut marker stays
 * under the 2000 characters a log excerpt keeps of a line, so the excerpt says how much was cut.
 */
export const MAX_LINE_BYTES = 1024;

const NEWLINE = 0x0a;

/**
 * Calls `onLine` for each line of `stream`, holding at most `maxLineBytes` of a line: the rest, up
 * to the next newline, is counted and dropped. Whatever a command prints, we never hold more than
 * that plus one chunk; readline instead builds the whole line as one string, which takes memory
 * without bound and throws RangeError past V8's longest string, in an event handler, where it
 * kills the process.
 */
export function readBoundedLines(
  stream: Readable,
  onLine: (line: string) => void,
  maxLineBytes = MAX_LINE_BYTES,
): void {
  let parts: Buffer[] = [];
  let kept = 0;
  let cut = 0;
  let pending = false;

  const take = (piece: Buffer) => {
    pending = true;
    const room = maxLineBytes - kept;
    const keep = Math.min(room, piece.length);
    if (keep > 0) {
      // A copy, so a kept slice does not pin the whole chunk.
      parts.push(Buffer.from(piece.subarray(0, keep)));
      kept += keep;
    }
    cut += piece.length - keep;
  };
  const emit = () => {
    let line = Buffer.concat(parts, kept).toString('utf8');
    if (cut === 0 && line.endsWith('\r')) line = line.slice(0, -1);
    if (cut > 0) line += `… (${cut} more bytes cut)`;
    parts = [];
    kept = 0;
    cut = 0;
    pending = false;
    onLine(line);
  };

  stream.on('data', (chunk: Buffer) => {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(NEWLINE, start);
      take(chunk.subarray(start, newline === -1 ? chunk.length : newline));
      if (newline === -1) return;
      emit();
      start = newline + 1;
    }
  });
  stream.on('end', () => {
    if (pending && (kept > 0 || cut > 0)) emit();
  });
}
