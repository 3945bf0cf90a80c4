/**
 * Worker-to-worker exchange of batch parts over Unix domain sockets: each worker listens on
 * one socket per job (`<dir>/j<job>-w<worker>.sock`) and connects to a peer the first time
 * it sends it a part; the coordinator relays no data. A connection carries parts one way,
 * in the order they were written (which the Avro batch codec needs per destination).
 *
 * Frame: `u32 header length | u32 data length | header (JSON) | data (Avro batch)`, big
 * endian. A writer whose socket buffer is full waits for `drain` before its next part
 * (backpressure on the producing task).
 *
 * @module
 */
import { unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { debug } from './log.js';

/** What a frame says about the part it carries. */
export interface PartHeader {
  readonly t: number;
  readonly edge: string;
  readonly from: number;
  readonly to: number;
  /** False when the producer produced nothing at t (the frame then has no data). */
  readonly defined: boolean;
  /**
   * On an edge into an event-time window: the largest event time of every record the
   * producer partition sent on the edge at t (absent when none), whatever part it is.
   */
  readonly maxEventTime?: number;
}

/** The socket of `worker` for `job` under `dir`. */
export function socketPath(dir: string, job: number, worker: number): string {
  return join(dir, `j${job}-w${worker}.sock`);
}

const EMPTY = new Uint8Array(0);

/** Splits a byte stream into frames. */
class FrameReader {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly onFrame: (h: PartHeader, data: Uint8Array | undefined) => void) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size >= 8) {
      if (this.chunks[0].length < 8) this.chunks = [Buffer.concat(this.chunks)];
      const head = this.chunks[0];
      const hLen = head.readUInt32BE(0);
      const dLen = head.readUInt32BE(4);
      const total = 8 + hLen + dLen;
      if (this.size < total) return;
      const buf = this.chunks.length === 1 ? head : Buffer.concat(this.chunks);
      const header = JSON.parse(buf.toString('utf8', 8, 8 + hLen)) as PartHeader;
      this.onFrame(header, header.defined ? buf.subarray(8 + hLen, total) : undefined);
      const rest = buf.subarray(total);
      this.chunks = rest.length ? [rest] : [];
      this.size = rest.length;
    }
  }
}

/**
 * One worker's end of the exchange for one job.
 *
 * @example
 * ```ts
 * const ex = await Exchange.listen(dir, job, 0, (h, data) => reader.put(h.edge, h.t, h.from, h.to, data && codec.decode(data)));
 * await ex.send(1, { t, edge: 'e1', from: 0, to: 1, defined: true }, bytes);
 * await ex.close();
 * ```
 */
export class Exchange {
  private readonly peers = new Map<number, Socket>();
  private readonly incoming = new Set<Socket>();
  private readonly draining = new Map<Socket, Promise<void>>();
  private closed = false;

  private constructor(
    private readonly dir: string,
    private readonly job: number,
    private readonly server: Server,
    private readonly onError: (e: Error) => void,
  ) {}

  /** Starts listening; `onPart` gets every part other workers send this one. */
  static listen(
    dir: string,
    job: number,
    worker: number,
    onPart: (h: PartHeader, data: Uint8Array | undefined) => void,
    onError: (e: Error) => void,
  ): Promise<Exchange> {
    const path = socketPath(dir, job, worker);
    try { unlinkSync(path); } catch { /* none left over */ }
    const server = createServer();
    const ex = new Exchange(dir, job, server, onError);
    server.on('connection', (s) => {
      ex.incoming.add(s);
      const frames = new FrameReader(onPart);
      s.on('data', (chunk: Buffer) => {
        try { frames.push(chunk); } catch (e) { onError(new Error(`exchange: a malformed frame from a peer: ${(e as Error).message}`)); s.destroy(); }
      });
      s.on('error', () => { /* the peer died: the coordinator sees its exit */ });
      s.on('close', () => ex.incoming.delete(s));
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => { server.off('error', reject); resolve(ex); });
    });
  }

  private peer(worker: number): Socket {
    let s = this.peers.get(worker);
    if (!s) {
      const path = socketPath(this.dir, this.job, worker);
      s = createConnection(path);
      s.setNoDelay?.(true);
      // Every peer listened before it reported `ready`, so a connection fails only when the
      // peer died: the coordinator sees that exit and restarts the job; a failure reported
      // here would race it and turn a recoverable crash into a job error.
      s.on('error', (e) => { if (!this.closed) debug({ worker }, `exchange: connection to worker ${worker} (${path}) lost: ${e.message}`); });
      this.peers.set(worker, s);
    }
    return s;
  }

  /**
   * Sends one part to `worker`. The frame is queued on the socket at once (so parts keep
   * the order of the calls); the promise settles when the socket can take more.
   */
  send(worker: number, header: PartHeader, data: Uint8Array | undefined): Promise<void> {
    const s = this.peer(worker);
    const h = Buffer.from(JSON.stringify(header), 'utf8');
    const body = data ?? EMPTY;
    const prefix = Buffer.allocUnsafe(8);
    prefix.writeUInt32BE(h.length, 0);
    prefix.writeUInt32BE(body.byteLength, 4);
    s.cork();
    s.write(prefix);
    s.write(h);
    const more = s.write(body);
    s.uncork();
    if (more || s.destroyed) return Promise.resolve();
    return this.drained(s);
  }

  /** One promise per full socket, settled when it drains (or closes): every waiting writer shares it. */
  private drained(s: Socket): Promise<void> {
    let p = this.draining.get(s);
    if (!p) {
      p = new Promise<void>((resolve) => {
        const done = () => { s.off('drain', done); s.off('close', done); this.draining.delete(s); resolve(); };
        s.on('drain', done);
        s.on('close', done);
      });
      this.draining.set(s, p);
    }
    return p;
  }

  /** Closes the connections and the listening socket (its file is removed by the server). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.peers.values()].map((s) => new Promise<void>((resolve) => {
      if (s.destroyed) return resolve();
      s.end(() => resolve());
      setTimeout(() => { s.destroy(); resolve(); }, 1000).unref();
    })));
    for (const s of this.incoming) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
