/** Keeps the tail of a step's output: enough to debug a failure, bounded so records stay small. */
export class LogExcerpt {
  private lines: string[] = [];
  private size = 0;
  private dropped = 0;

  constructor(
    private readonly maxBytes = 16 * 1024,
    private readonly maxLines = 200,
  ) {}

  append(text: string): void {
    for (const line of text.split(/\r?\n/)) {
      if (line.length === 0) continue;
      const clipped = line.length > 2000 ? `${line.slice(0, 2000)}…` : line;
      this.lines.push(clipped);
      this.size += clipped.length + 1;
      while (this.lines.length > this.maxLines || this.size > this.maxBytes) {
        this.size -= this.lines.shift()!.length + 1;
        this.dropped += 1;
      }
    }
  }

  toString(): string {
    const head = this.dropped > 0 ? [`… ${this.dropped} earlier line(s) dropped`] : [];
    return [...head, ...this.lines].join('\n');
  }
}
