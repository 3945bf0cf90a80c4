import { describe, expect, it } from 'vitest';
import * as O from 'fp-ts/lib/Option.js';
import {
  IR_VERSION, pair, Pipeline, PipelineError, planFromJSON, planHash, planToJSON, seconds, Sinks, Sources, validatePlan, type Plan,
} from '../../src/index.js';
import { pipelines } from './pipelines.js';

/** The plan as plain JSON data, to edit. */
function json(plan: Plan): { version: number; nodes: Array<Record<string, any>>; [k: string]: unknown } {
  return JSON.parse(planToJSON(plan));
}

function rejected(text: string): PipelineError {
  try {
    planFromJSON(text);
  } catch (e) {
    expect(e).toBeInstanceOf(PipelineError);
    return e as PipelineError;
  }
  throw new Error('planFromJSON accepted the plan');
}

describe('plan JSON', () => {
  for (const [name, build] of Object.entries(pipelines)) {
    it(`${name}: planFromJSON(planToJSON(plan)) round-trips, with an equal hash`, () => {
      const plan = build().plan();
      const back = planFromJSON(planToJSON(plan));
      expect(back).toEqual(plan);
      expect(planHash(back)).toBe(planHash(plan));
      expect(planToJSON(back)).toBe(planToJSON(plan));
    });
  }

  it('writes keys in sorted order and leaves out undefined fields', () => {
    const text = planToJSON(pipelines['word-count']().plan());
    const top = Object.keys(JSON.parse(text));
    expect(top).toEqual([...top].sort());
    expect(text).not.toContain('"label": null');
    expect(JSON.parse(text).nodes[2]).toEqual({ id: 'filter#2', inputs: [{ edge: 'forward', from: 'flatMap#1' }], kind: 'filter', onError: 'fail' });
  });
});

describe('planHash', () => {
  it('is the same for two separately built identical pipelines', () => {
    for (const build of Object.values(pipelines)) {
      expect(build().hash()).toBe(build().hash());
      expect(build().hash()).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('does not depend on the key order of the plan objects', () => {
    const plan = pipelines.fraud().plan();
    const shuffled = JSON.parse(JSON.stringify(plan, (_k, v) =>
      v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v)) as Plan;
    expect(Object.keys(shuffled)).toEqual(Object.keys(plan).reverse());
    expect(planHash(shuffled)).toBe(planHash(plan));
  });

  it('does not depend on user functions, which are not part of the plan', () => {
    const build = (f: (w: string) => string) => {
      const p = Pipeline.create('h', { batchInterval: seconds(1) });
      p.source(Sources.batches<string>([])).map(f).to(Sinks.collect());
      return p.hash();
    };
    expect(build((w) => w.toUpperCase())).toBe(build((w) => w.toLowerCase()));
  });

  it('changes when a node changes', () => {
    const base = pipelines.fraud().hash();
    const variant = (edit: (n: Record<string, any>) => void, id: string) => {
      const j = json(pipelines.fraud().plan());
      edit(j.nodes.find((n) => n.id === id)!);
      return planHash(j as unknown as Plan);
    };
    const changed = [
      variant((n) => { n.state.ttlMs = 3_600_000; }, 'updateStateByKey#4'),
      variant((n) => { n.state.name = 'spend'; }, 'updateStateByKey#4'),
      variant((n) => { n.label = 'over the limit'; }, 'filter#5'),
      variant((n) => { n.onError = 'deadLetter'; }, 'filter#5'),
      variant((n) => { n.how = 'left'; }, 'staticJoin#2'),
      variant((n) => { n.inputs[0].edge = 'forward'; }, 'updateStateByKey#4'),
      variant((n) => { n.sink.path = 'out/other.jsonl'; }, 'sink#6'),
    ];
    for (const h of changed) expect(h).not.toBe(base);
    expect(new Set(changed).size).toBe(changed.length);
  });

  it('changes with the batch interval, the key groups and the name, and when a node is added', () => {
    const wc = (opts: { name?: string; interval?: number; keyGroups?: number; extra?: boolean }) => {
      const p = Pipeline.create(opts.name ?? 'wc', { batchInterval: seconds(opts.interval ?? 1), keyGroups: opts.keyGroups });
      let s = p.source(Sources.batches<string>([])).map((w) => pair(w, 1));
      if (opts.extra) s = s.filter(() => true);
      s.reduceByKey((a, b) => a + b).to(Sinks.collect());
      return p.hash();
    };
    const base = wc({});
    expect(wc({})).toBe(base);
    for (const h of [wc({ name: 'wc2' }), wc({ interval: 2 }), wc({ keyGroups: 64 }), wc({ extra: true })]) expect(h).not.toBe(base);
  });
});

describe('planFromJSON rejects bad plans with a PipelineError naming what is wrong', () => {
  const good = () => json(pipelines['word-count']().plan());

  it('text that is not JSON, or not a plan object', () => {
    expect(rejected('{ nope').message).toMatch(/^plan JSON does not parse/);
    expect(rejected('[]').message).toMatch(/^plan JSON is not an object/);
    expect(rejected('null').message).toMatch(/^plan JSON is not an object/);
  });

  it('a wrong version', () => {
    const j = good();
    j.version = IR_VERSION + 1;
    expect(rejected(JSON.stringify(j)).message).toMatch(new RegExp(`^plan version ${IR_VERSION + 1} is not supported \\(this sluice reads version ${IR_VERSION}\\)`));
    delete (j as Partial<typeof j>).version;
    expect(rejected(JSON.stringify(j)).message).toMatch(/^plan version undefined is not supported/);
  });

  it('missing plan fields', () => {
    const j = good();
    delete j.batchIntervalMs;
    expect(rejected(JSON.stringify(j)).message).toMatch(/lacks name, batchIntervalMs, keyGroups or nodes/);
  });

  it('an unknown node kind, naming the node', () => {
    const j = good();
    j.nodes[1].kind = 'teleport';
    const e = rejected(JSON.stringify(j));
    expect(e.message).toMatch(/^node flatMap#1: unknown kind "teleport"/);
    expect(e.site.operator).toBe('flatMap#1');
    expect(e.hint).toMatch(/known kinds: source, map, flatMap/);
  });

  it('a dangling input, naming the node and the input', () => {
    const j = good();
    j.nodes[2].inputs = [{ from: 'source#99', edge: 'forward' }];
    const e = rejected(JSON.stringify(j));
    expect(e.message).toMatch(/^node filter#2: input source#99 is not a node of the plan/);
    expect(e.site.operator).toBe('filter#2');
  });

  it('nodes out of topological order', () => {
    const j = good();
    [j.nodes[1], j.nodes[2]] = [j.nodes[2], j.nodes[1]];
    expect(rejected(JSON.stringify(j)).message).toMatch(/^node filter#2: input flatMap#1 comes after it \(nodes must be in topological order\)/);
  });

  it('duplicate ids, missing ids and malformed inputs', () => {
    const dup = good();
    dup.nodes[2].id = 'flatMap#1';
    expect(rejected(JSON.stringify(dup)).message).toMatch(/^node id flatMap#1 appears twice/);
    const noId = good();
    delete noId.nodes[3].id;
    expect(rejected(JSON.stringify(noId)).message).toMatch(/^node 3 of the plan has no id/);
    const noInputs = good();
    delete noInputs.nodes[3].inputs;
    expect(rejected(JSON.stringify(noInputs)).message).toMatch(/^node map#3: inputs is not a list/);
    const badEdge = good();
    badEdge.nodes[3].inputs[0].edge = 'teleport';
    expect(rejected(JSON.stringify(badEdge)).message).toMatch(/^node map#3: malformed input/);
  });

  it('plans that parse but cannot run: no sink, a dangling stream', () => {
    const noSink = good();
    noSink.nodes = noSink.nodes.filter((n) => n.kind !== 'sink');
    expect(rejected(JSON.stringify(noSink)).message).toMatch(/^pipeline word-count has no output.*\(reduceByKey#4 ends without a sink\)/);
  });

  it('settings the DSL would have refused', () => {
    const temp = () => json(pipelines.temperature().plan());
    const cases: Array<[(j: ReturnType<typeof temp>) => void, RegExp, string]> = [
      [(j) => { j.nodes[2].watermarkDelayMs = -1; }, /^eventTime#2: the watermark delay must be a duration ≥ 0, got -1/, 'eventTime#2'],
      [(j) => { j.nodes[4].window.slideMs = 600_000; }, /^eventWindow#4: the slide 10m is longer than the window 5m/, 'eventWindow#4'],
      [(j) => { j.nodes[4].window.sizeMs = 0; }, /^eventWindow#4: the sliding window needs positive durations, got 0, 30000/, 'eventWindow#4'],
      [(j) => { j.nodes[4].allowedLatenessMs = null; }, /^eventWindow#4: the allowed lateness must be a duration ≥ 0/, 'eventWindow#4'],
      [(j) => { j.nodes[4].inputs = [{ from: 'eventTime#2', edge: 'shuffle' }]; }, /^eventWindow#4: must read a keyBy node, reads eventTime#2/, 'eventWindow#4'],
      [(j) => { j.nodes[6].inputs.push({ from: 'keyBy#3', edge: 'forward' }); }, /^lateRecords#6: takes 1 input, has 2/, 'lateRecords#6'],
    ];
    for (const [edit, message, operator] of cases) {
      const j = temp();
      edit(j);
      const e = rejected(JSON.stringify(j));
      expect(e.message).toMatch(message);
      expect(e.site.operator).toBe(operator);
    }
    const rep = json(pipelines['word-count']().plan());
    rep.nodes.splice(4, 0, { id: 'repartition#9', kind: 'repartition', partitions: 0, inputs: [{ from: 'map#3', edge: 'shuffle' }] });
    rep.nodes[5].inputs = [{ from: 'repartition#9', edge: 'shuffle' }];
    expect(rejected(JSON.stringify(rep)).message).toMatch(/^repartition#9: partitions must be a positive integer, got 0/);
  });

  it('validatePlan accepts every plan the DSL builds', () => {
    for (const build of Object.values(pipelines)) expect(() => validatePlan(build().plan())).not.toThrow();
    const p = Pipeline.create('state', { batchInterval: seconds(1) });
    const s = p.source(Sources.batches<readonly [string, number]>([]));
    const m = s.mapWithState<string, number, number, number>({ fn: (_k, v) => v });
    m.stateSnapshots().to(Sinks.collect());
    m.to(Sinks.collect());
    s.transformWith(s, (a) => a).union(s).updateStateByKey<string, number, number>((vs) => O.some(vs.length)).to(Sinks.collect());
    expect(() => planFromJSON(p.toJSON())).not.toThrow();
  });
});
