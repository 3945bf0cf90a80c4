/**
 * The live status line of `sluice run`: on a TTY one line at the bottom of stderr, redrawn
 * after every batch and after every line the job itself writes (stdout or stderr), so the
 * job's output scrolls above it ungarbled; off a TTY a plain line every `everyMs`.
 * @module
 */
import type { BatchProgress } from './progress.js';

/** The stream the line is drawn on (process.stderr, or a stand-in in tests). */
export interface StatusStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(chunk: string | Uint8Array, ...rest: unknown[]): boolean;
}

/** What the line says about the latest batch. */
export function statusText(p: BatchProgress, deadTotal: number): string {
  const rate = Object.values(p.sources).reduce((s, x) => s + x.processedRate, 0);
  const lag = p.lag ? Object.values(p.lag).reduce((s, x) => s + x, 0) : undefined;
  const ms = (x: number) => (x < 1000 ? `${Math.round(x)} ms` : `${(x / 1000).toFixed(1)} s`);
  return [
    `${p.pipeline} batch ${p.batch}`,
    `${Math.round(rate).toLocaleString('en-US')} rec/s`,
    `processing ${ms(p.processingMs)} / interval ${ms(p.batchIntervalMs)}`,
    `delay ${ms(p.totalDelayMs)}`,
    ...(lag !== undefined ? [`lag ${lag.toLocaleString('en-US')}`] : []),
    `${deadTotal} dead letter${deadTotal === 1 ? '' : 's'}`,
  ].join(' · ');
}

type Write = (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;

/** One status line on `out`; `close()` clears it and puts the streams' `write` back. */
export class StatusLine {
  private text = '';
  private drawn = false;
  private deadTotal = 0;
  private lastPlain = 0;
  private readonly originals: Array<[StatusStream, Write]> = [];
  private readonly raw: Write;

  constructor(private readonly out: StatusStream, hooked: readonly StatusStream[], private readonly everyMs = 10_000, private readonly now: () => number = Date.now) {
    this.raw = out.write.bind(out) as Write;
    this.lastPlain = now();
    if (!out.isTTY) return;
    for (const s of new Set([out, ...hooked])) {
      const original = s.write.bind(s) as Write;
      this.originals.push([s, s.write as Write]);
      (s as { write: Write }).write = (chunk, ...rest) => {
        this.clear();
        const r = original(chunk, ...rest);
        const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        if (text.endsWith('\n')) this.draw();
        return r;
      };
    }
  }

  /** Shows the latest batch. */
  update(p: BatchProgress): void {
    this.deadTotal += p.deadLetters.count;
    this.text = statusText(p, this.deadTotal);
    if (this.out.isTTY) { this.clear(); this.draw(); return; }
    const t = this.now();
    if (t - this.lastPlain >= this.everyMs) {
      this.lastPlain = t;
      this.raw(`sluice: ${this.text}\n`);
    }
  }

  /** Clears the line and unhooks the streams. */
  close(): void {
    this.clear();
    for (const [s, w] of this.originals) (s as { write: Write }).write = w;
    this.originals.length = 0;
  }

  private clear(): void {
    if (!this.drawn) return;
    this.drawn = false;
    this.raw('\r\x1b[2K');
  }

  private draw(): void {
    if (!this.text || this.drawn) return;
    const width = this.out.columns ?? 120;
    this.raw(this.text.length > width - 1 ? `${this.text.slice(0, width - 2)}…` : this.text);
    this.drawn = true;
  }
}
