import { describe, expect, it } from 'vitest';
import type { BatchProgress } from '../../src/observe/progress.js';
import { StatusLine } from '../../src/observe/status-line.js';

function progress(batch: number, dead = 0): BatchProgress {
  return {
    pipeline: 'job', runtime: 'local', batch, batchTime: batch * 1000, final: false, batchIntervalMs: 1000, startedAt: 0,
    schedulingDelayMs: 5, processingMs: 80, totalDelayMs: 85, sources: { 'source#0': { records: 1200, inputRate: 1200, processedRate: 15000 } },
    operators: {}, deadLetters: { count: dead, byReason: {}, latest: [] }, lateRecords: 0,
  };
}

/** A terminal that applies \r and ESC[2K to its last line, as a real one does. */
function terminal(isTTY: boolean) {
  const screen: string[] = [''];
  const apply = (s: string) => {
    for (const part of s.split(/(\r|\x1b\[2K|\n)/)) {
      if (part === '\n') screen.push('');
      else if (part === '\r') { /* cursor to column 0: the next ESC[2K clears */ }
      else if (part === '\x1b[2K') screen[screen.length - 1] = '';
      else screen[screen.length - 1] += part;
    }
  };
  const stream = { isTTY, columns: 200, write: (c: string | Uint8Array) => { apply(String(c)); return true; } };
  return { screen, stream };
}

describe('status line', () => {
  it('on a TTY: redrawn after each batch, the job\'s own lines scroll above it intact', () => {
    const { screen, stream } = terminal(true);
    const stdout = { write: (c: string | Uint8Array) => stream.write(c) };
    const line = new StatusLine(stream, [stdout]);
    line.update(progress(1));
    expect(screen).toEqual(['job batch 1 · 15,000 rec/s · processing 80 ms / interval 1.0 s · delay 85 ms · 0 dead letters']);
    stdout.write('1000 a=1\n');
    stream.write('a log line\n');
    line.update(progress(2, 3));
    expect(screen).toEqual(['1000 a=1', 'a log line', 'job batch 2 · 15,000 rec/s · processing 80 ms / interval 1.0 s · delay 85 ms · 3 dead letters']);
    line.close();
    stdout.write('after\n');
    expect(screen).toEqual(['1000 a=1', 'a log line', 'after', '']);
  });

  it('off a TTY: a plain line every N seconds, the streams untouched', () => {
    const { screen, stream } = terminal(false);
    const write = stream.write;
    let now = 0;
    const line = new StatusLine(stream, [], 10_000, () => now);
    expect(stream.write).toBe(write);
    line.update(progress(1));
    now = 9_999;
    line.update(progress(2));
    now = 10_000;
    line.update(progress(3, 1));
    now = 15_000;
    line.update(progress(4));
    expect(screen).toEqual(['sluice: job batch 3 · 15,000 rec/s · processing 80 ms / interval 1.0 s · delay 85 ms · 1 dead letter', '']);
    line.close();
  });
});
