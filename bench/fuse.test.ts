/**
 * Operator fusion (runtimes/local/fuse.ts) must not change what a pipeline does: every
 * pipeline here runs with fusion on and off (SLUICE_FUSE=0) and the two runs must agree on
 * output batches, dead letters (and their order), metrics and the error a failing run
 * throws.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Pipeline, Sinks, Sources, pair, seconds, type DeadLetter, type RunMetrics, type Stream } from '../src/index.js';

interface Outcome {
  out: unknown[][];
  /** Batches of a second sink, on a branch (see `branch`). */
  side: unknown[][];
  dead: DeadLetter[];
  metrics?: RunMetrics;
  error?: { name: string; message: string; operator?: string };
}

type Build = (s: Stream<any>, side: (s: Stream<any>) => void) => Stream<unknown>;

async function runOnce(input: unknown[][], build: Build, fused: boolean): Promise<Outcome> {
  if (fused) delete process.env.SLUICE_FUSE;
  else process.env.SLUICE_FUSE = '0';
  const dead = Sinks.collect<DeadLetter>();
  const out = Sinks.collect<unknown>();
  const side = Sinks.collect<unknown>();
  const p = Pipeline.create('fuse-test', { batchInterval: seconds(1), deadLetters: dead });
  build(p.source(Sources.batches(input)), (s) => s.to(side)).to(out);
  const o: Outcome = { out: [], side: [], dead: [] };
  try {
    o.metrics = (await p.run({ pace: 'asap', numBatches: input.length })).metrics;
  } catch (e) {
    const err = e as Error & { operator?: string; site?: { operator?: string } };
    o.error = { name: err.name, message: err.message, operator: err.site?.operator ?? err.operator };
  }
  o.out = out.batches.map(([, rs]) => rs);
  o.side = side.batches.map(([, rs]) => rs);
  o.dead = dead.records();
  return o;
}

/** Runs with fusion on and off; the outcomes must be equal. Returns the fused one. */
async function same(input: unknown[][], build: Build): Promise<Outcome> {
  const fused = await runOnce(input, build, true);
  const plain = await runOnce(input, build, false);
  expect(fused).toEqual(plain);
  return fused;
}

const input = [[1, 2, 3, 4, 5], [], [6, 7], [8, 9, 10, 11, 12, 13]];

afterEach(() => { delete process.env.SLUICE_FUSE; });

describe('fusion of stateless chains', () => {
  it('is in effect: stage 2 sees record 1 before stage 1 sees record 2', async () => {
    const calls = (fused: boolean) => {
      const log: string[] = [];
      return runOnce([[1, 2]], (s) => s.map((x: number) => { log.push(`a${x}`); return x; }).map((x: number) => { log.push(`b${x}`); return x; }), fused).then(() => log);
    };
    expect(await calls(true)).toEqual(['a1', 'b1', 'a2', 'b2']);
    expect(await calls(false)).toEqual(['a1', 'a2', 'b1', 'b2']);
  });

  it('map → filter → map: output and per-node metrics', async () => {
    const o = await same(input, (s) => s.map((x: number) => x * 3).filter((x: number) => x % 2 === 0).map((x: number) => x + 1));
    expect(o.out).toEqual([[7, 13], [], [19], [25, 31, 37]]);
    expect(o.metrics!.records['filter#2']).toBe(6);
  });

  it('flatMap (arrays and iterables), mapValues, flatMapValues, filter', async () => {
    await same([['a b', 'c'], [''], ['d e f']], (s) =>
      s
        .flatMap((l: string) => l.split(' '))
        .flatMap(function* (w: string) { yield w; yield w.toUpperCase(); })
        .map((w: string) => pair(w, w.length))
        .mapValues((n: number) => n * 10)
        .flatMapValues((n: number) => [n, n + 1])
        .filter((kv: readonly [string, number]) => kv[1] % 2 === 0));
  });

  it('dead letters of several stages keep each stage its own order', async () => {
    await same(input, (s) =>
      s
        .map((x: number) => { if (x % 4 === 0) throw new Error(`a ${x}`); return x; }, { onError: 'deadLetter' })
        .map((x: number) => { if (x % 3 === 0) throw new Error(`b ${x}`); return x; }, { onError: 'deadLetter' })
        .filter((x: number) => { if (x === 11) throw new Error('c'); return true; }, { onError: 'deadLetter' }));
  });

  it('a flatMap whose iterable throws midway keeps what it yielded', async () => {
    const o = await same([[1, 2, 3]], (s) =>
      s
        .flatMap(function* (x: number) { yield x; if (x === 2) throw new Error('midway'); yield x * 10; }, { onError: 'deadLetter' })
        .map((x: number) => x + 1));
    expect(o.out).toEqual([[2, 11, 3, 4, 31]]);
  });

  it('the first failing stage fails the batch, even when a later stage failed on an earlier record', async () => {
    const o = await same(input, (s) =>
      s
        .map((x: number) => { if (x === 5) throw new Error('first stage'); return x; })
        .map((x: number) => { if (x === 2) throw new Error('second stage'); return x; }));
    expect(o.error?.message).toMatch(/map#1.*first stage/);
  });

  it('a later stage fails when the earlier ones pass; dead letters of earlier stages are not lost', async () => {
    const o = await same([[1, 2, 3], [4, 5, 6]], (s) =>
      s
        .map((x: number) => { if (x === 1) throw new Error('dl'); return x; }, { onError: 'deadLetter' })
        .map((x: number) => { if (x === 5) throw new Error('fails'); return x; }));
    expect(o.error?.message).toMatch(/map#2.*fails/);
    expect(o.out).toEqual([[2, 3]]);
  });

  it('failures happen at each node\'s own turn: a sink between chain nodes sees the batch only if unfused would', async () => {
    const build = (failAt: 'a' | 'b'): Build => (s, side) => {
      const a = s.map((x: number) => { if (failAt === 'a' && x === 7) throw new Error('a'); return x; });
      side(s); // a sink on the source, between a and b in the plan
      return a.map((x: number) => { if (failAt === 'b' && x === 7) throw new Error('b'); return x; });
    };
    const oa = await same(input, build('a'));
    const ob = await same(input, build('b'));
    expect(oa.side.length).toBe(2);
    expect(ob.side.length).toBe(3);
  });

  it('a node with two consumers ends a chain', async () => {
    await same(input, (s, side) => {
      const a = s.map((x: number) => x * 2);
      side(a.filter((x: number) => x > 4));
      return a.map((x: number) => x + 1).filter((x: number) => x % 3 !== 0);
    });
  });

  it('a throw on a non-pair in mapValues is the stage\'s failure', async () => {
    await same([[pair('a', 1), null, pair('b', 2)]], (s) => s.map((x: unknown) => x as readonly [string, number]).mapValues((v: number) => v + 1, { onError: 'deadLetter' }));
  });

  it('a chain folds into the reduceByKey after it: output (keys in first-seen order), metrics, dead letters', async () => {
    const o = await same([['a b a', 'c'], [], [''], ['b b', 'a']], (s) =>
      s
        .flatMap((l: string) => l.split(' '))
        .filter((w: string) => { if (w === 'c') throw new Error('no c'); return w !== ''; }, { onError: 'deadLetter' })
        .map((w: string) => pair(w, 1))
        .reduceByKey((a: number, b: number) => a + b));
    expect(o.out).toEqual([[['a', 2], ['b', 1]], [], [], [['b', 2], ['a', 1]]]);
    expect(o.metrics!.records['map#3']).toBe(6);
    expect(o.dead).toHaveLength(1);
  });

  it('a single stage folds into reduceByKey; object keys fold by value', async () => {
    const o = await same([[1, 2, 3, 4, 5, 6]], (s) => s.map((x: number) => pair({ even: x % 2 === 0 }, x)).reduceByKey((a: number, b: number) => a + b));
    expect(o.out).toEqual([[[{ even: false }, 9], [{ even: true }, 12]]]);
  });

  it('the fused reduceByKey fails at its own turn on the first failing fold; an earlier stage\'s failure comes first', async () => {
    const reduceFails = await same([[1, 2, 3, 4]], (s) => s.map((x: number) => pair('k', x)).reduceByKey((a: number, b: number) => { if (b === 3) throw new Error('fold'); return a + b; }));
    expect(reduceFails.error?.message).toMatch(/reduceByKey#2.*fold/);
    const mapFails = await same([[1, 2, 3, 4]], (s) => s.map((x: number) => { if (x === 4) throw new Error('map'); return pair('k', x); }).reduceByKey((a: number, b: number) => { if (b === 3) throw new Error('fold'); return a + b; }));
    expect(mapFails.error?.message).toMatch(/map#1.*map/);
  });
});
