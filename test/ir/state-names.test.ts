import * as O from 'fp-ts/lib/Option.js';
import { describe, expect, it } from 'vitest';
import { pair, Pipeline, PipelineError, planFromJSON, seconds, Sinks, Sources, validatePlan } from '../../src/index.js';

const sum = (vs: number[], s: O.Option<number>) => O.some(vs.reduce((a, b) => a + b, O.getOrElse(() => 0)(s)));
const one = () => O.some(1);

/** Two updateStateByKey on one stream, joined; the plan's state names. */
function twoStates(names: [string?, string?] = []) {
  const p = Pipeline.create('two', { batchInterval: seconds(1) });
  const pairs = p.source(Sources.batches([['a']])).map((w) => pair(w, 1));
  pairs.updateStateByKey(sum, { name: names[0] }).fullOuterJoin(pairs.updateStateByKey(one, { name: names[1] })).to(Sinks.collect());
  return p;
}
const stateNames = (p: Pipeline) => p.plan().nodes.flatMap((n) => ('state' in n ? [n.state.name] : []));

describe('derived state names', () => {
  it('two stateful operators of one kind on one stream get different names, the same on every build', () => {
    const [a, b] = stateNames(twoStates());
    expect(a).toMatch(/^updateStateByKey-[0-9a-f]{10}$/);
    expect(b).toBe(`${a}-2`);
    expect(stateNames(twoStates())).toEqual([a, b]);
  });

  it('a single operator keeps the name it had before (no suffix), so existing checkpoints still match', () => {
    const p = Pipeline.create('one', { batchInterval: seconds(1) });
    p.source(Sources.batches([['a']])).map((w) => pair(w, 1)).updateStateByKey(sum).to(Sinks.collect());
    expect(stateNames(p)[0]).toMatch(/^updateStateByKey-[0-9a-f]{10}$/);
  });

  it('refuses two operators with one state name (explicit, or in a plan from JSON), naming both', () => {
    expect(() => twoStates(['totals', 'totals']).plan()).toThrow(PipelineError);
    expect(() => twoStates(['totals', 'totals']).plan()).toThrow(/updateStateByKey#3: its state name 'totals' is also the state name of updateStateByKey#2/);
    const json = JSON.parse(twoStates().toJSON()) as { nodes: Array<{ state?: { name: string } }> };
    const [first, second] = json.nodes.filter((n) => n.state);
    second.state!.name = first.state!.name;
    expect(() => validatePlan(planFromJSON(JSON.stringify(json)))).toThrow(/is also the state name of/);
  });
});
