/**
 * The dead-letter file: one JSON-lines file, appended batch by batch, with the same
 * prepare / commit guarantee as the part-file sinks (no loss, no duplicate, whatever is
 * killed when). Beside the file `<dir>/<name>`:
 * - `.<name>.pending/<t, 13 digits>-p<partition>.jsonl`: dead letters of batch t of one
 *   partition, prepared (temp, fsync, rename) by the process that runs the partition;
 * - `.<name>.commits`: the commit log, one line `{"t":…,"end":…}` per commit that appended
 *   something: every batch up to `t` is in the file, whose committed length is `end`.
 * A commit up to t (one process) cuts the file to the logged length (an append cut short
 * by a crash), appends the pending files of the batches after the logged `t` in (t,
 * partition) order in one write, fsyncs, logs it, then removes the pending files; a commit
 * cut short is finished by the next one. Recovery commits up to the last commit record,
 * then deletes every other pending file and cuts the file to its logged length.
 *
 * @module
 * @internal
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { mkdir, open, readdir, readFile, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { CommittableSink } from '../../engine/commit-sink.js';
import { crashPoint } from '../../engine/crash-points.js';
import { RuntimeError } from '../../errors.js';
import { claimExisting } from '../claim.js';
import type { DeadLetter, Sink } from '../connector.js';
import { appendDurable, syncDir, writeDurable } from './durable.js';

/** A prepared file: batch time, partition. */
const PENDING = /^(\d{13})-p(\d+)\.jsonl$/;

/** The last whole line of the commit log: batches up to `t` are in the file, `end` bytes long; `cleanLength` as in the part-file manifest. */
function readLog(log: string): { t: number; end: number; cleanLength: number } {
  let text = '';
  try { text = readFileSync(log, 'utf8'); } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new RuntimeError(`cannot read ${log}: ${(e as Error).message}`, { location: log });
  }
  const lines = text.split('\n');
  const torn = lines.pop()!;
  let last = { t: -Infinity, end: 0 };
  for (const [i, line] of lines.entries()) {
    try {
      const e = JSON.parse(line) as { t: number; end: number };
      if (typeof e.t !== 'number' || typeof e.end !== 'number') throw new Error('expected { t, end }');
      last = e;
    } catch (err) {
      throw new RuntimeError(`${log}:${i + 1}: corrupt commit log line: ${(err as Error).message}`, { location: log });
    }
  }
  return { ...last, cleanLength: torn === '' ? -1 : Buffer.byteLength(text) - Buffer.byteLength(torn) };
}

/** One dead letter as a JSON line, with its four fields in a fixed order and `raw` always text. */
function line(r: DeadLetter): string {
  const raw = typeof r.raw === 'string' ? r.raw : JSON.stringify(r.raw) ?? String(r.raw);
  return JSON.stringify({ origin: r.origin, reason: r.reason, raw, batchTime: r.batchTime });
}

/** The committable side of the dead-letter file `path` (see the module comment). */
function deadLetterCommits(path: string): CommittableSink<DeadLetter> {
  const dir = dirname(path);
  const pending = join(dir, `.${basename(path)}.pending`);
  const log = join(dir, `.${basename(path)}.commits`);
  const listPending = async (upTo: number) => {
    let names: string[] = [];
    try { names = await readdir(pending); } catch { /* none */ }
    return names.flatMap((f) => {
      const m = PENDING.exec(f);
      return m && Number(m[1]) <= upTo ? [{ f, t: Number(m[1]), p: Number(m[2]) }] : [];
    }).sort((a, b) => a.t - b.t || a.p - b.p);
  };
  const self: CommittableSink<DeadLetter> = {
    partition(_ctx, partition) {
      const committed = readLog(log).t;
      return {
        async prepare(t, records) {
          if (!records.length || t <= committed) return;
          await mkdir(pending, { recursive: true });
          const name = `${String(t).padStart(13, '0')}-p${partition}.jsonl`;
          await writeDurable(pending, name, (fh) => fh.writeFile(records.map(line).join('\n') + '\n'), () => crashPoint('dlq.prepare.written', t));
          crashPoint('dlq.prepare.renamed', t);
        },
      };
    },
    async commit(upTo) {
      const files = await listPending(upTo);
      if (!files.length) return;
      // Batch by batch, so that the file and its log are the same however commits were grouped
      // (a recovery commits every batch its commit record covers at once).
      let logged = readLog(log);
      for (const t of new Set(files.map((x) => x.t))) {
        const fresh = files.filter((x) => x.t === t && x.t > logged.t);
        if (!fresh.length) continue;
        const text = Buffer.concat(await Promise.all(fresh.map((x) => readFile(join(pending, x.f)))));
        mkdirSync(dir, { recursive: true });
        const fh = await open(path, 'a');
        try {
          await fh.truncate(logged.end); // an append cut short by a crash was never committed
          await fh.writeFile(text);
          await fh.sync();
        } finally {
          await fh.close();
        }
        await syncDir(dir);
        crashPoint('dlq.commit.appended', upTo);
        if (logged.cleanLength >= 0) truncateSync(log, logged.cleanLength);
        await appendDurable(log, JSON.stringify({ t, end: logged.end + text.byteLength }) + '\n');
        logged = { t, end: logged.end + text.byteLength, cleanLength: -1 };
        crashPoint('dlq.commit.logged', upTo);
      }
      for (const x of files) await unlink(join(pending, x.f));
      await syncDir(pending);
      crashPoint('dlq.commit.cleaned', upTo);
    },
    async recover(committed) {
      if (committed !== undefined) await self.commit(committed);
      rmSync(pending, { recursive: true, force: true });
      const { end } = readLog(log);
      if (existsSync(path) && statSync(path).size > end) truncateSync(path, end);
    },
  };
  return self;
}

/**
 * Dead letters appended as JSON lines to `path`, one object per rejected record with
 * exactly the fields `origin`, `reason`, `raw` (the input as text; for input that is not
 * valid UTF-8, its bytes in base64, and the reason says so) and `batchTime`, e.g.
 * `{"origin":"data/r.jsonl:3","reason":"invalid JSON: …","raw":"{oops","batchTime":1000}`.
 * Each batch's dead letters are appended in one write, in (batch, partition) order, and
 * exactly once also across crashes and restarts: the file keeps its commit log
 * (`.<name>.commits`) and prepared batches (`.<name>.pending/`) beside it.
 *
 * @example
 * ```ts
 * import { Sinks } from 'sluice';
 * Pipeline.create('p', { batchInterval: seconds(1), deadLetters: Sinks.deadLetterFile('out/p.dlq') });
 * ```
 * @category Connectors
 */
export function deadLetterFile(path: string): Sink<DeadLetter> {
  const commits = deadLetterCommits(path);
  const sink: Sink<DeadLetter> & { readonly committable: CommittableSink<DeadLetter> } = {
    spec: { type: 'deadLetterFile', path },
    committable: commits,
    claim(ctx) {
      const dir = dirname(path);
      const bookkeeping = () => {
        rmSync(join(dir, `.${basename(path)}.pending`), { recursive: true, force: true });
        rmSync(join(dir, `.${basename(path)}.commits`), { force: true });
      };
      let size = 0;
      try { size = statSync(path).size; } catch { /* absent */ }
      if (size === 0 && ctx.checkpointDir === undefined) { bookkeeping(); return; }
      mkdirSync(dir, { recursive: true });
      claimExisting(ctx, 'the dead-letter file', path, join(dir, `.${basename(path)}.checkpoint`), size > 0, () => { truncateSync(path, 0); bookkeeping(); });
    },
    open(ctx) {
      mkdirSync(dirname(path), { recursive: true });
      // One process: each batch is prepared and committed at once.
      const part = commits.partition(ctx, 0);
      return {
        async write(records, batchTime) {
          if (!records.length) return;
          await part.prepare(batchTime, records);
          await commits.commit(batchTime);
        },
        close() {},
      };
    },
  };
  return sink;
}
