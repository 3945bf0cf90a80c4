/**
 * mapWithState and stateSnapshots, ported from Spark's MapWithStateSuite (each Spark test
 * checks the mapped output and the state snapshots; here they are two cases) and the
 * timeout rules of MapWithStateRDDSuite. Spark's input is `input.map(x => (x, 1))`.
 *
 * Timeouts: Spark times a key out when its last update is strictly older than
 * `batchTime − timeout`; a record for a key that has state counts as an update when a
 * timeout is set; the state given as initial state was last updated at the first batch.
 * DIVERGENCE (deliberate): Spark only looks for timed-out keys in batches that checkpoint
 * the state (by default every 10th batch), so when a key times out depends on the
 * checkpoint interval; ours looks every batch, so a key times out in the first batch at
 * which it is idle for longer than the timeout.
 */
import * as O from 'fp-ts/lib/Option.js';
import type { State } from '../../../src/dsl/state.js';
import { pair } from '../../../src/dsl/stream.js';
import type { Stream } from '../../../src/dsl/stream.js';
import { seconds } from '../../../src/time/duration.js';
import type { ConformanceCase } from '../case.js';
import { runningCountInput, runningCounts } from '../spark-vectors.js';

/** MapWithStateSuite's input starts with an empty batch. */
const input = [[], ...runningCountInput];
const snapshots = [[], ...runningCounts];

/** Spark's simple-API running count: returns the new sum. */
function sumFn(_k: string, v: O.Option<number>, st: State<number>): O.Option<number> {
  const sum = O.getOrElse(() => 0)(v) + O.getOrElse(() => 0)(st.getOption());
  st.update(sum);
  return O.some(sum);
}

/** Spark's advanced-API test: counts in the state, returns the key twice. */
function doubleKeyFn(k: string, v: O.Option<number>, st: State<number>): O.Option<string> {
  st.update(O.getOrElse(() => 0)(v) + O.getOrElse(() => 0)(st.getOption()));
  return O.some(k + k);
}

/** Spark's "states as mapped data": returns (key, sum). */
function stateAsDataFn(k: string, v: O.Option<number>, st: State<number>): O.Option<readonly [string, number]> {
  const sum = O.getOrElse(() => 0)(v) + O.getOrElse(() => 0)(st.getOption());
  st.update(sum);
  return O.some(pair(k, sum));
}

/** Spark's initial-state test: counts, returns nothing. */
function silentSumFn(_k: string, v: O.Option<number>, st: State<number>): O.Option<number> {
  st.update(O.getOrElse(() => 0)(v) + O.getOrElse(() => 0)(st.getOption()));
  return O.none;
}

/** Spark's state-removing test: removes existing state (returning the key), else sets it. */
function toggleFn(k: string, v: O.Option<number>, st: State<number>): O.Option<string> {
  if (st.exists()) { st.remove(); return O.some(k); }
  st.update(O.getOrElse(() => 0)(v));
  return O.none;
}

/** Spark's timeout test: sets state 1 on data; returns the key when it times out. */
function timeoutFn(k: string, v: O.Option<number>, st: State<number>): O.Option<string> {
  if (O.isSome(v)) st.update(1);
  return st.isTimingOut() ? O.some(k) : O.none;
}

/** MapWithStateRDDSuite's instructions: values say what to do with the state. */
function instructionFn(k: string, v: O.Option<string>, st: State<number>): O.Option<string> {
  if (O.isNone(v)) return O.some(`${k} timed out with ${st.get()}`);
  switch (v.value) {
    case 'update': st.update(st.exists() ? st.get() + 1 : 0); return O.none;
    case 'remove': st.remove(); return O.none;
    case 'get': return O.some(`${k}=${O.getOrElse(() => -1)(st.getOption())}`);
    default: return O.none; // noop
  }
}

/** Puts (`put:<n>`) or removes (`remove`) the state; returns nothing. */
function putRemoveFn(_k: number, v: O.Option<string>, st: State<number>): O.Option<never> {
  if (O.isSome(v)) {
    if (v.value === 'remove') st.remove();
    else st.update(Number(v.value.slice(4)));
  }
  return O.none;
}

/**
 * StateMapSuite's "all possible sequences of operations with copies", with 2 batches
 * ("sets") of 2 operations each: key i undergoes the put/remove sequence given by the bits
 * of i. The expected snapshots come from a plain Map used as the reference, as there.
 */
const SETS = 2;
const OPS_PER_SET = 2;
const NUM_KEYS = 2 ** (SETS * OPS_PER_SET);
const putRemoveInput: Array<Array<readonly [number, string]>> = [];
const putRemoveSnapshots: Array<Array<[number, number]>> = [];
{
  const ref = new Map<number, number>();
  for (let set = 0; set < SETS; set++) {
    const batch: Array<readonly [number, string]> = [];
    for (let op = 0; op < OPS_PER_SET; op++) {
      const opId = set * OPS_PER_SET + op;
      for (let key = 0; key < NUM_KEYS; key++) {
        const remove = (key >> (SETS * OPS_PER_SET - opId - 1)) % 2 === 1;
        const value = opId * 100 + key;
        batch.push(pair(key, remove ? 'remove' : `put:${value}`));
        if (remove) ref.delete(key); else ref.set(key, value);
      }
    }
    putRemoveInput.push(batch);
    putRemoveSnapshots.push([...ref]);
  }
}

const timeoutInput = [['a', 'b', 'c'], ['a', 'b'], ['a'], [], [], ['a'], ...Array.from({ length: 20 }, () => ['a'])];
const ones = (n: number): unknown[] => (['a', 'b', 'c'].slice(0, n)).map((k) => [k, 1]);

type MappingFn = (k: string, v: O.Option<number>, st: State<number>) => O.Option<unknown>;

/**
 * One MapWithStateSuite test as two cases: the mapped output and the state snapshots of
 * `input.map(x => (x, 1)).mapWithState(fn)`.
 */
function sparkTest(
  name: string,
  t: { input: string[][]; fn: MappingFn; initial?: Array<readonly [string, number]>; expected: unknown[][]; snapshots: unknown[][]; timeoutS?: number; numBatches?: number },
): ConformanceCase[] {
  const spec = { fn: t.fn, initial: t.initial, timeout: t.timeoutS === undefined ? undefined : seconds(t.timeoutS) };
  const mapped = (s: Stream<string>) => s.map((x) => pair(x, 1)).mapWithState(spec);
  return [
    { name, input: t.input, build: mapped, expected: t.expected, numBatches: t.numBatches },
    { name: `${name} (stateSnapshots)`, input: t.input, build: (s: Stream<string>) => mapped(s).stateSnapshots(), expected: t.snapshots, numBatches: t.numBatches },
  ];
}

const removingInput = [[], ['a'], ['a', 'b'], ['a', 'b', 'c'], ['a', 'b', 'c'], ['a', 'b'], ['a'], []];

export const cases: ConformanceCase[] = [
  ...sparkTest('mapWithState - basic operations with simple API', {
    input, fn: sumFn, expected: [[], [1], [2, 1], [3, 2, 1], [4, 3], [5], []], snapshots,
  }),
  ...sparkTest('mapWithState - basic operations with advanced API', {
    input, fn: doubleKeyFn, expected: [[], ['aa'], ['aa', 'bb'], ['aa', 'bb', 'cc'], ['aa', 'bb'], ['aa'], []], snapshots,
  }),
  ...sparkTest('mapWithState - states as mapped data', {
    input,
    fn: stateAsDataFn,
    expected: [[], [['a', 1]], [['a', 2], ['b', 1]], [['a', 3], ['b', 2], ['c', 1]], [['a', 4], ['b', 3]], [['a', 5]], []],
    snapshots,
  }),
  ...sparkTest('mapWithState - initial states, with nothing returned as from mapping function', {
    input,
    fn: silentSumFn,
    initial: [pair('a', 5), pair('b', 10), pair('c', -20), pair('d', 0)],
    expected: input.map(() => []),
    snapshots: [
      [['a', 5], ['b', 10], ['c', -20], ['d', 0]],
      [['a', 6], ['b', 10], ['c', -20], ['d', 0]],
      [['a', 7], ['b', 11], ['c', -20], ['d', 0]],
      [['a', 8], ['b', 12], ['c', -19], ['d', 0]],
      [['a', 9], ['b', 13], ['c', -19], ['d', 0]],
      [['a', 10], ['b', 13], ['c', -19], ['d', 0]],
      [['a', 10], ['b', 13], ['c', -19], ['d', 0]],
    ],
  }),
  ...sparkTest('mapWithState - state removing', {
    input: removingInput,
    fn: toggleFn,
    expected: [[], [], ['a'], ['b'], ['a', 'c'], ['b'], ['a'], []],
    snapshots: [[], [['a', 1]], [['b', 1]], [['a', 1], ['c', 1]], [['b', 1]], [['a', 1]], [], []],
  }),
  // Spark asserts only that b and c come out once each, that a, b and c all have state at
  // some point and finally only a. With our per-batch timeout check (see the module
  // comment) c, last updated at 1 s, times out at 5 s (1 < 5 − 3) and b, last updated at
  // 2 s, at 6 s; a gets data before it could time out.
  ...sparkTest('mapWithState - state timing out', {
    input: timeoutInput,
    fn: timeoutFn,
    timeoutS: 3,
    numBatches: 20,
    expected: Array.from({ length: 20 }, (_, i) => (i === 4 ? ['c'] : i === 5 ? ['b'] : [])),
    snapshots: Array.from({ length: 20 }, (_, i) => ones(i < 4 ? 3 : i === 4 ? 2 : 1)),
  }),
  {
    name: 'StateMap - put and remove sequences across batches (stateSnapshots)',
    input: putRemoveInput,
    build: (s: Stream<readonly [number, string]>) => s.mapWithState({ fn: putRemoveFn }).stateSnapshots(),
    expected: putRemoveSnapshots,
  },
  {
    // MapWithStateRDDSuite: "State strictly older than timeout threshold should be timed
    // out". Updated at 1 s, timeout 2 s: not at 3 s (1 < 1 is false), at 4 s.
    name: 'mapWithState - timeout threshold is strict',
    input: [[['k', 'update']], [], [], [], []],
    build: (s: Stream<readonly [string, string]>) => s.mapWithState({ fn: instructionFn, timeout: seconds(2) }),
    expected: [[], [], [], ['k timed out with 0'], []],
  },
  {
    // MapWithStateRDDSuite: "State should not be timed out after it has received data",
    // even data that leaves the state as it is. The noop at 3 s moves the timeout to 6 s.
    name: 'mapWithState - data without an update still keeps the key alive',
    input: [[['k', 'update']], [], [['k', 'noop']], [], [], [], []],
    build: (s: Stream<readonly [string, string]>) => s.mapWithState({ fn: instructionFn, timeout: seconds(2) }),
    expected: [[], [], [], [], [], ['k timed out with 0'], []],
  },
  {
    // MapWithStateRDDSuite: a removed state does not time out; data for a key without
    // state creates none unless the function updates it (SPARK-13195).
    name: 'mapWithState - removed or never-set state does not time out',
    input: [[['k', 'update'], ['j', 'noop']], [['k', 'remove'], ['j', 'get']], [], [], []],
    build: (s: Stream<readonly [string, string]>) => s.mapWithState({ fn: instructionFn, timeout: seconds(1) }),
    expected: [[], ['j=-1'], [], [], []],
  },
  {
    // MapWithStateRDDSuite "states generated by MapWithStateRDD": the function sees the
    // state as it is after the batch's earlier records, in order.
    name: 'mapWithState - records of a key see the earlier records of the batch',
    input: [[['k', 'get'], ['k', 'update'], ['k', 'get'], ['k', 'update'], ['k', 'get'], ['k', 'remove'], ['k', 'get']]],
    build: (s: Stream<readonly [string, string]>) => s.mapWithState({ fn: instructionFn }),
    expected: [['k=-1', 'k=0', 'k=1', 'k=-1']],
  },
  {
    // Spark's initial state was last updated at the first batch (1 s), so with a 2 s
    // timeout it times out at 4 s, not 3 s.
    name: 'mapWithState - initial state times out from the first batch',
    input: [[], [], [], [], []],
    build: (s: Stream<readonly [string, string]>) => s.mapWithState({ fn: instructionFn, timeout: seconds(2), initial: [pair('k', 7)] }),
    expected: [[], [], [], ['k timed out with 7'], []],
  },
  {
    name: 'mapWithState - initial state times out from the first batch (stateSnapshots)',
    input: [[], [], [], [], []],
    build: (s: Stream<readonly [string, string]>) =>
      s.mapWithState({ fn: instructionFn, timeout: seconds(2), initial: [pair('k', 7)] }).stateSnapshots(),
    expected: [[['k', 7]], [['k', 7]], [['k', 7]], [], []],
  },
  {
    // Ours (Spark has no TTL): a key not touched for the TTL is dropped silently, without
    // the timing-out call.
    name: 'mapWithState - ttl drops idle keys without calling the function',
    input: [[['k', 'update']], [], [], [['k', 'get']]],
    build: (s: Stream<readonly [string, string]>) => s.mapWithState({ fn: instructionFn, ttl: seconds(2) }),
    expected: [[], [], [], ['k=-1']],
  },
];
