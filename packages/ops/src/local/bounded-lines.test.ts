import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readBoundedLines } from './bounded-lines';

async function linesOf(chunks: string[], max?: number): Promise<string[]> {
  const stream = new PassThrough();
  const lines: string[] = [];
  readBoundedLines(stream, (line) => lines.push(line), max);
  for (const chunk of chunks) stream.write(Buffer.from(chunk));
  stream.end();
  await once(stream, 'end');
  return lines;
}

describe('readBoundedLines', () => {
  it('splits across chunks, drops a CR before LF, keeps empty lines and an unterminated last line', async () => {
    expect(await linesOf(['one\r\ntw', 'o\n\nthr', 'ee'])).toEqual(['one', 'two', '', 'three']);
    expect(await linesOf(['end\n'])).toEqual(['end']);
    expect(await linesOf([])).toEqual([]);
  });

  it('cuts a line at the bound and counts what it dropped, over many chunks', async () => {
    expect(await linesOf(['abcdef', 'ghij\nkl', 'm\n'], 4)).toEqual(['abcd… (6 more bytes cut)', 'klm']);
    expect(await linesOf(['abcd\nabcde'], 4)).toEqual(['abcd', 'abcd… (1 more bytes cut)']);
  });
});
