import { connect } from 'node:net';
import { RuntimeError } from '../../errors.js';
import type { Source, SourceReader } from '../connector.js';
import { LineSplitter, recordLimit, type Line } from './line-splitter.js';
import { limitSpec, type ReadOptions } from './text-file.js';

/**
 * Lines of text from a TCP server, as Spark's `socketTextStream`: connects to
 * `host:port` when the job starts, splits what arrives on newlines (UTF-8, a trailing
 * `\r` dropped) and buffers the lines between polls.
 *
 * In real-time pacing (the default for this source) each batch takes the lines that have
 * arrived by its time, at most `maxBatchSize`. With `pace: 'asap'` a poll waits for
 * `maxBatchSize` lines or the end of the connection.
 *
 * The spec says unbounded, since a server may send forever; but when the peer closes the
 * connection the source is done (a last line without a newline still counts) and, once
 * every other source is drained too, the job ends. At most `maxBuffered` lines (default
 * 100 000) are kept between polls: beyond that the socket is paused and TCP flow control
 * holds the sender back. A connection that cannot be made or fails later fails the run
 * with a `RuntimeError` naming `host:port`. There is no position to resume from: what
 * was sent while the job was down is lost, as in Spark.
 *
 * A line longer than `maxRecordBytes` (default 4 MiB; only that much of it is ever held)
 * or not valid UTF-8 goes to the dead-letter output with origin `host:port:<line>` and a
 * reason naming its byte offset in the connection (see `Sources.textFile`).
 *
 * @example
 * ```ts
 * import { Pipeline, Sources, pair, seconds } from 'sluice';
 * // in another terminal: nc -lk 9999
 * const p = Pipeline.create('net-words', { batchInterval: seconds(1) });
 * p.source(Sources.socketText('localhost', 9999))
 *   .flatMap((l) => l.split(' '))
 *   .map((w) => pair(w, 1))
 *   .reduceByKey((a, b) => a + b)
 *   .print();
 * await p.run();
 * ```
 * @category Connectors
 */
export function socketText(host: string, port: number, opts: { maxBuffered?: number } & ReadOptions = {}): Source<string> {
  const where = `${host}:${port}`;
  const maxBuffered = opts.maxBuffered ?? 100_000;
  const maxRecordBytes = recordLimit(`socketText ${where}`, opts.maxRecordBytes);
  return {
    spec: { type: 'socketText', bounded: false, host, port, ...limitSpec(opts) },
    open(ctx): SourceReader<string> {
      const lines: string[] = [];
      const splitter = new LineSplitter(maxRecordBytes);
      const split: Line[] = [];
      /** Lines split so far, good or bad: the origin of a bad one. */
      let lineNo = 0;
      const take = () => {
        for (const l of split) {
          lineNo++;
          if (typeof l === 'string') lines.push(l);
          else ctx.deadLetter(`${where}:${lineNo}`, `${l.reason} (the line starts at byte ${l.offset} of the connection)`, l.raw);
        }
        split.length = 0;
      };
      let connected = false;
      let ended = false;
      let failure: RuntimeError | undefined;
      let wake: (() => void) | undefined;
      const notify = () => { const w = wake; wake = undefined; w?.(); };

      const socket = connect({ host, port });
      socket.on('connect', () => { connected = true; });
      socket.on('data', (chunk: Buffer) => {
        splitter.push(chunk, split);
        take();
        if (lines.length >= maxBuffered) socket.pause();
        notify();
      });
      socket.on('end', () => {
        splitter.end(split);
        take();
        ended = true;
        notify();
      });
      socket.on('error', (e) => {
        failure = new RuntimeError(
          connected ? `socketText: connection to ${where} failed: ${e.message}` : `socketText: cannot connect to ${where}: ${e.message}`,
          { operator: ctx.operator, location: where },
          connected ? undefined : 'check that a server is listening there (e.g. nc -lk <port>)',
        );
        ended = true;
        notify();
      });
      socket.on('close', () => { ended = true; notify(); });

      return {
        async poll(max, wait) {
          if (wait) {
            while (!ended && !failure && lines.length < max) {
              socket.resume(); // the batch wants more than may be buffered
              await new Promise<void>((r) => { wake = r; });
            }
          }
          if (failure && lines.length === 0) throw failure; // lines that arrived before the failure come first
          const records = lines.splice(0, max);
          if (socket.isPaused() && lines.length < maxBuffered && !ended) socket.resume();
          return { records, done: ended && !failure && lines.length === 0 };
        },
        close() {
          socket.destroy();
          notify();
        },
      };
    },
  };
}
