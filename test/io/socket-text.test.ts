import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { millis, Pipeline, RuntimeError, Sinks, Sources, type DeadLetter } from '../../src/index.js';
import { context } from './helpers.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** A real TCP server on a free port of 127.0.0.1; `onClient` gets each connection. */
async function server(onClient: (s: Socket) => void): Promise<number> {
  const s = createServer(onClient);
  servers.push(s);
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  return (s.address() as { port: number }).port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Sources.socketText', () => {
  it('reads lines until the peer closes, then the job ends (real-time pacing)', async () => {
    const port = await server((c) => {
      c.write('hello world\r\nsecond ');
      setTimeout(() => c.end('line\nno newline at the end'), 30);
    });
    const out = Sinks.collect<string>();
    const p = Pipeline.create('t', { batchInterval: millis(20), deadLetters: Sinks.collect<DeadLetter>() });
    p.source(Sources.socketText('127.0.0.1', port)).to(out);
    await p.run();
    expect(out.records()).toEqual(['hello world', 'second line', 'no newline at the end']);
  });

  it('with asap pacing each batch waits for maxBatchSize lines or the end', async () => {
    const port = await server(async (c) => {
      for (const l of ['a', 'b', 'c', 'd', 'e']) { c.write(l + '\n'); await sleep(5); }
      c.end();
    });
    const out = Sinks.collect<string>();
    const p = Pipeline.create('t', { batchInterval: millis(1000), deadLetters: Sinks.collect<DeadLetter>() });
    p.source(Sources.socketText('127.0.0.1', port)).to(out);
    await p.run({ pace: 'asap', maxBatchSize: 2 });
    expect(out.batches).toEqual([[1000, ['a', 'b']], [2000, ['c', 'd']], [3000, ['e']]]);
  });

  it('a poll without waiting returns what has arrived; done only once the peer closed and all was taken', async () => {
    let client!: Socket;
    const port = await server((c) => { client = c; c.write('x\ny\nparti'); });
    const reader = Sources.socketText('127.0.0.1', port).open(context());
    await sleep(50);
    expect(await reader.poll(10, false)).toEqual({ records: ['x', 'y'], done: false });
    expect(await reader.poll(10, false)).toEqual({ records: [], done: false });
    client.end('al\nz\n');
    await sleep(50);
    expect(await reader.poll(1, false)).toEqual({ records: ['partial'], done: false });
    expect(await reader.poll(1, false)).toEqual({ records: ['z'], done: true });
    await reader.close();
  });

  it('keeps at most about maxBuffered lines, pausing the socket, and loses nothing', async () => {
    const line = 'x'.repeat(1000);
    const total = 2000;
    const port = await server((c) => {
      for (let i = 0; i < total; i++) c.write(`${i} ${line}\n`);
      c.end();
    });
    const reader = Sources.socketText('127.0.0.1', port, { maxBuffered: 10 }).open(context());
    const got: string[] = [];
    let largest = 0;
    for (;;) {
      await sleep(2);
      const r = await reader.poll(100_000, false);
      largest = Math.max(largest, r.records.length);
      got.push(...r.records);
      if (r.done) break;
    }
    await reader.close();
    expect(got.length).toBe(total);
    expect(got.map((l) => Number(l.split(' ')[0]))).toEqual(Array.from({ length: total }, (_, i) => i));
    // Lines of one read chunk (64 KiB, ~65 lines here) may come on top of the limit before the pause.
    expect(largest).toBeLessThan(10 + 70);
  });

  it('a refused connection fails the run with a RuntimeError naming host:port', async () => {
    const port = await server(() => {});
    await new Promise((r) => servers.pop()!.close(r)); // now nothing listens there
    const p = Pipeline.create('t', { batchInterval: millis(20) });
    p.source(Sources.socketText('127.0.0.1', port)).foreachBatch(() => {});
    const run = p.run();
    await expect(run).rejects.toThrow(RuntimeError);
    await expect(run).rejects.toThrow(`socketText: cannot connect to 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`);
  });

  it('spec: unbounded, with host and port', () => {
    expect(Sources.socketText('localhost', 9999).spec).toEqual({ type: 'socketText', bounded: false, host: 'localhost', port: 9999 });
  });
});
