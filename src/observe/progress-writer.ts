/**
 * The progress file's writer: JSON lines, appended in blocks rather than one write a batch
 * (a fast job runs hundreds of batches a second). Lines reach the file at most
 * {@link FLUSH_MS} after their batch, at once when {@link FLUSH_BYTES} are waiting, on close,
 * and when the process exits without a close.
 * @module
 * @internal
 */
import { closeSync, openSync, writeSync } from 'node:fs';

/** The longest a progress line waits before it is written. */
export const FLUSH_MS = 200;
/** Waiting lines are written at once when they reach this many characters. */
export const FLUSH_BYTES = 64 * 1024;

/**
 * Appends lines to a file it creates (truncating one that exists).
 *
 * @example
 * ```ts
 * const w = new ProgressWriter('progress.jsonl');
 * w.line(JSON.stringify(progress));
 * w.close(); // everything written
 * ```
 * @internal
 */
export class ProgressWriter {
  private fd: number | undefined;
  private waiting: string[] = [];
  private size = 0;
  private timer: NodeJS.Timeout | undefined;

  /** Writes what waits when the process exits without closing the writer (`process.exit` on an error path). */
  private readonly onExit = (): void => this.flush();

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
    process.once('exit', this.onExit);
  }

  /** Queues one line (without its newline). */
  line(text: string): void {
    if (this.fd === undefined) return;
    this.waiting.push(text);
    this.size += text.length + 1;
    if (this.size >= FLUSH_BYTES) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }

  /** Writes every waiting line now. */
  flush(): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    if (this.fd === undefined || !this.waiting.length) return;
    const text = `${this.waiting.join('\n')}\n`;
    this.waiting = [];
    this.size = 0;
    writeSync(this.fd, text);
  }

  /** Writes what waits and closes the file. */
  close(): void {
    if (this.fd === undefined) return;
    process.removeListener('exit', this.onExit);
    try { this.flush(); } finally { closeSync(this.fd); this.fd = undefined; }
  }
}
