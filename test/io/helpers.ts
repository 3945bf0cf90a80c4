import avro from 'avsc';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';
import { Pipeline, Sinks, seconds, type DeadLetter, type RunOptions, type Source, type SourceContext } from '../../src/index.js';

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A fresh temp directory, removed after the test file. */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sluice-io-'));
  made.push(d);
  return d;
}

/** A source context that keeps dead letters (batch time 0). */
export function context(): SourceContext & { dead: DeadLetter[] } {
  const dead: DeadLetter[] = [];
  return { operator: 'source#0', dead, deadLetter: (origin, reason, raw) => { dead.push({ origin, reason, raw, batchTime: 0 }); } };
}

/** Polls an opened source until it is done (or `polls` polls), collecting each poll's records. */
export async function drain<T>(source: Source<T>, opts: { max?: number; resumeFrom?: unknown; ctx?: SourceContext; polls?: number } = {}): Promise<T[][]> {
  const reader = source.open(opts.ctx ?? context(), opts.resumeFrom);
  const out: T[][] = [];
  try {
    for (let i = 0; i < (opts.polls ?? Infinity); i++) {
      const r = await reader.poll(opts.max ?? 1000, true);
      out.push(r.records);
      if (r.done) break;
    }
  } finally {
    await reader.close();
  }
  return out;
}

/** The message JSON.parse gives for `text` (it differs between Node versions). */
export function jsonError(text: string): string {
  try { JSON.parse(text); } catch (e) { return (e as Error).message; }
  throw new Error(`${text} parses`);
}

/** Writes `content` to a new file `name` in a fresh temp directory; returns its path. */
export function tempFile(name: string, content: string | Buffer): string {
  const f = join(tempDir(), name);
  writeFileSync(f, content);
  return f;
}

/** Runs `source` into a collect sink through a real pipeline (1 s batches); returns the batches and the dead letters. */
export async function runSource<T>(source: Source<T>, run: RunOptions = {}) {
  const dead = Sinks.collect<DeadLetter>();
  const p = Pipeline.create('t', { batchInterval: seconds(1), deadLetters: dead });
  const out = Sinks.collect<T>();
  p.source(source).to(out);
  const { metrics } = await p.run(run);
  return { batches: out.batches, records: out.records(), dead: dead.records(), metrics };
}

/** Deterministic pseudo-random numbers in [0, 1) (a fixed-seed LCG), so a failure can be replayed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** A real TCP server on a free port of 127.0.0.1 (closed after the test); `onClient` gets each connection. Resolves with the port. */
export async function tcpServer(onClient: (s: Socket) => void): Promise<number> {
  const s = createServer(onClient);
  servers.push(s);
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  return (s.address() as { port: number }).port;
}

/** An Avro object container file of `records` (avsc's encoder: `blockSize`, `codec`) in a fresh temp directory. */
export async function avroFileOf(records: readonly object[], type: avro.Type, opts: { blockSize?: number; codec?: string } = {}): Promise<string> {
  const f = join(tempDir(), 'data.avro');
  const enc = new avro.streams.BlockEncoder(type, opts);
  const file = createWriteStream(f);
  enc.pipe(file);
  for (const r of records) enc.write(r);
  enc.end();
  await once(file, 'close');
  return f;
}
