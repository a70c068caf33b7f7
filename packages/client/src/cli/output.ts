/** How a command prints: JSON for scripts, or tables and colour (only on a TTY) for people. */
export interface Output {
  json: boolean;
  colour: boolean;
  print(text: string): void;
  error(text: string): void;
  data(value: unknown): void;
}

export function createOutput(json: boolean, stream: NodeJS.WriteStream = process.stdout): Output {
  const colour = !json && stream.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
  return {
    json,
    colour,
    print: (text) => void process.stdout.write(`${text}\n`),
    error: (text) => void process.stderr.write(`${text}\n`),
    data: (value) => void process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
  };
}

const CODES = { green: 32, red: 31, yellow: 33, dim: 2, bold: 1, cyan: 36 } as const;
export type Colour = keyof typeof CODES;

export function paint(output: Output, colour: Colour, text: string): string {
  return output.colour ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text;
}

export function stateColour(state: string): Colour {
  if (['built', 'live', 'ready', 'active', 'succeeded'].includes(state)) return 'green';
  if (['failed', 'cancelled', 'destroyed'].includes(state)) return 'red';
  if (['standby', 'pending', 'queued'].includes(state)) return 'dim';
  return 'yellow';
}

/** Columns padded to the widest cell; no borders, so it greps and cuts. */
export function table(output: Output, headers: string[], rows: string[][]): string {
  const widths = headers.map((header, index) =>
    Math.max(header.length, ...rows.map((row) => (row[index] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, index) => (index === cells.length - 1 ? cell : cell.padEnd(widths[index]!)))
      .join('  ')
      .trimEnd();
  return [paint(output, 'bold', line(headers)), ...rows.map(line)].join('\n');
}

export function seconds(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '-' : `${(ms / 1000).toFixed(1)}s`;
}
