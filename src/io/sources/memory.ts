import { sliceBounds, type PollResult, type Source, type SourceReader, type SourceSlice } from '../connector.js';
import { prefixDigests } from './input-digest.js';

/**
 * A source that yields the given arrays as consecutive batches: batch i of the input
 * arrives at batch time (i + 1) × interval, as in Spark's test suites. Bounded.
 *
 * On the cluster runtime every worker builds the same arrays (it runs the job module) and
 * reads its contiguous slice of each batch. A checkpoint keeps a digest of the batches
 * read, and a resume with other batches before its position is refused.
 *
 * @example
 * ```ts
 * import { Sources } from 'sluice';
 * p.source(Sources.batches([['a', 'b'], [], ['c']]));
 * ```
 * @category Connectors
 */
export function batches<T>(input: readonly (readonly T[])[]): Source<T> {
  const reader = (slice?: SourceSlice) => (_ctx: unknown, resumeFrom?: unknown): SourceReader<T> => {
    let i = typeof resumeFrom === 'number' ? resumeFrom : 0;
    return {
      poll: () => {
        const batch = i < input.length ? input[i] : [];
        const records = slice ? batch.slice(...sliceBounds(batch.length, slice)) : [...batch];
        i++;
        return { records, done: i >= input.length };
      },
      position: () => i,
      close() {},
    };
  };
  return {
    spec: { type: 'batches', bounded: true, count: input.length },
    open: reader(),
    // Read in parallel by the cluster runtime (every worker builds the same arrays): each partition takes its slice of every batch.
    openSlice: (ctx, slice, resumeFrom) => reader(slice)(ctx, resumeFrom),
    weightedSlices: true,
    inputDigest: prefixDigests((from, to) => input.slice(from, to)),
  };
}

/**
 * A bounded source over an array or any iterable, read lazily in batches of at most
 * `maxBatchSize` records.
 *
 * On the cluster runtime an array is read in slices: every worker builds the same array (it
 * runs the job module) and takes its contiguous slice of each batch; a checkpoint keeps a
 * digest of the items read, and a resume with other items before its position is refused.
 * Any other iterable (a generator, a Set) is read by one worker and its batches cut among
 * the workers: a generator could give other items in each worker.
 *
 * @example
 * ```ts
 * import { Sources } from 'sluice';
 * p.source(Sources.fromIterable(['to be', 'or not to be']));
 * ```
 * @category Connectors
 */
export function fromIterable<T>(items: Iterable<T>): Source<T> {
  const array = Array.isArray(items) ? (items as readonly T[]) : undefined;
  return {
    spec: { type: 'iterable', bounded: true },
    // An array (not another iterable: a generator may give other items in each worker) is read in parallel by the cluster runtime.
    ...(array ? { openSlice: (_ctx, slice, resumeFrom) => arraySlice(array, slice, resumeFrom), weightedSlices: true, inputDigest: prefixDigests((from, to) => singles(array, from, to)) } : {}),
    open(_ctx, resumeFrom) {
      const it = items[Symbol.iterator]();
      let pos = 0;
      const skip = typeof resumeFrom === 'number' ? resumeFrom : 0;
      while (pos < skip && !it.next().done) pos++;
      let done = false;
      return {
        poll(max): PollResult<T> {
          // One batch-sized buffer filled by index: cheaper than growing an empty array by push.
          const size = Math.min(max, 1 << 20);
          const records: T[] = new Array<T>(size);
          let k = 0;
          while (k < max) {
            const n = it.next();
            if (n.done) { done = true; break; }
            if (k < size) records[k] = n.value; else records.push(n.value);
            k++;
          }
          if (k < size) records.length = k;
          pos += k;
          return { records, done };
        },
        position: () => pos,
        close() { it.return?.(); },
      };
    },
  };
}

/** Items `[from, to)` of `array`, each alone (the digest of a prefix does not depend on how it grew). */
function* singles<T>(array: readonly T[], from: number, to: number): Iterable<readonly T[]> {
  for (let i = from; i < Math.min(to, array.length); i++) yield [array[i]];
}

/** Slice `slice` of every batch of `maxBatchSize` items of `array`, from item `resumeFrom`: the same batches and positions as `fromIterable`'s reader. */
function arraySlice<T>(array: readonly T[], slice: SourceSlice, resumeFrom: unknown): SourceReader<T> {
  let pos = typeof resumeFrom === 'number' ? Math.min(resumeFrom, array.length) : 0;
  return {
    poll(max): PollResult<T> {
      const n = Math.min(max, array.length - pos);
      const [a, b] = sliceBounds(n, slice);
      const records = array.slice(pos + a, pos + b);
      pos += n;
      return { records, done: n < max };
    },
    position: () => pos,
    close() {},
  };
}

/**
 * A source over an async iterable (a generator, a Node stream). Bounded when the iterable
 * ends; in real-time pacing each batch takes what has arrived by its time.
 *
 * @example
 * ```ts
 * import { Sources } from 'sluice';
 * async function* ticks() { for (let i = 0; ; i++) { yield i; await sleep(10); } }
 * p.source(Sources.fromAsyncIterable(ticks(), { bounded: false }));
 * ```
 * @category Connectors
 */
export function fromAsyncIterable<T>(items: AsyncIterable<T>, opts: { bounded?: boolean; maxBuffered?: number } = {}): Source<T> {
  const maxBuffered = opts.maxBuffered ?? 100_000;
  return {
    spec: { type: 'asyncIterable', bounded: opts.bounded ?? true },
    open(): SourceReader<T> {
      const it = items[Symbol.asyncIterator]();
      const buffer: T[] = [];
      let done = false;
      let closed = false;
      let failure: unknown;
      let wake: (() => void) | undefined;
      let space: (() => void) | undefined;
      // A pump pulls items as they come, so a real-time batch takes everything that arrived
      // before its time; it pauses while the buffer is full (backpressure on the iterable).
      void (async () => {
        try {
          while (!closed) {
            if (buffer.length >= maxBuffered) { await new Promise<void>((r) => (space = r)); continue; }
            const n = await it.next();
            if (n.done) break;
            buffer.push(n.value);
            wake?.();
          }
        } catch (e) {
          failure = e;
        }
        done = true;
        wake?.();
      })();
      return {
        async poll(max, wait) {
          while (wait && !done && buffer.length < max) await new Promise<void>((r) => (wake = r));
          wake = undefined;
          if (failure) throw failure;
          const records = buffer.splice(0, max);
          space?.();
          space = undefined;
          return { records, done: done && buffer.length === 0 };
        },
        close: async () => {
          closed = true;
          space?.();
          await it.return?.();
        },
      };
    },
  };
}
