/** A pino destination for tests: keeps every line written, each parsed as JSON (a line that is not JSON fails the write). */
export class CapturedLines {
  readonly raw: string[] = [];
  readonly lines: Record<string, unknown>[] = [];

  write(chunk: string): void {
    for (const line of chunk.split('\n').filter((l) => l !== '')) {
      this.raw.push(line);
      this.lines.push(JSON.parse(line) as Record<string, unknown>);
    }
  }
}
