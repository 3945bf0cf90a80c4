import * as O from 'fp-ts/lib/Option.js';
import { describe, expect, it } from 'vitest';
import { StateCell } from '../../src/dsl/state.js';

describe('State (as Spark StateImpl)', () => {
  it('get/getOption/exists follow update and remove', () => {
    const s = new StateCell<number>().reset(false, undefined, false);
    expect(s.exists()).toBe(false);
    expect(s.getOption()).toEqual(O.none);
    expect(() => s.get()).toThrow(/no state/);
    s.update(3);
    expect(s.get()).toBe(3);
    expect(s.getOption()).toEqual(O.some(3));
    s.remove();
    expect(s.exists()).toBe(false);
  });
  it('refuses to remove twice and to update after remove', () => {
    const s = new StateCell<number>().reset(true, 1, false);
    s.remove();
    expect(() => s.remove()).toThrow(/already removed/);
    expect(() => s.update(2)).toThrow(/already removed/);
    const empty = new StateCell<number>().reset(false, undefined, false);
    empty.remove(); // allowed, as in Spark: removing absent state is a no-op
    expect(empty.exists()).toBe(false);
  });
  it('a timing-out state can be read but neither updated nor removed', () => {
    const s = new StateCell<number>().reset(true, 5, true);
    expect(s.isTimingOut()).toBe(true);
    expect(s.get()).toBe(5);
    expect(() => s.update(6)).toThrow(/timing out/);
    expect(() => s.remove()).toThrow(/timing out/);
  });
});
