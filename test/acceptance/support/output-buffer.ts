/** Keeps the tail of a child's stream: enough to explain a failure without holding a whole log in memory. */
export class OutputBuffer {
  private chunks: string[] = [];
  private size = 0;

  constructor(private readonly limit = 64 * 1024) {}

  append(chunk: string): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit && this.chunks.length > 1) this.size -= this.chunks.shift()!.length;
  }

  toString(): string {
    const text = this.chunks.join('');
    return text.length > this.limit ? `…${text.slice(-this.limit)}` : text;
  }
}
