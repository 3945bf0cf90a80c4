/**
 * The initial state of a stateful operator (`updateStateByKey`, `mapWithState`), put into
 * its store when first needed: a restore replaces it, so a resumed job never builds it (nor
 * reads the user's iterable).
 * @module
 */

/**
 * Initial `[key, state]` pairs waiting to be put into a store.
 *
 * @example
 * ```ts
 * const initial = new InitialState(fns.initial, (k, s) => store.set(k, { state: s }));
 * initial.load(); // before the first batch or snapshot; a no-op after the first call
 * initial.drop(); // on restore
 * ```
 */
export class InitialState {
  constructor(
    private pending: Iterable<readonly [unknown, unknown]> | undefined,
    private readonly put: (key: unknown, state: unknown) => void,
  ) {}

  /** Puts the pairs into the store, the first time only. */
  load(): void {
    const from = this.pending;
    if (!from) return;
    this.pending = undefined;
    for (const [k, s] of from) this.put(k, s);
  }

  /** Forgets the pairs (the store was restored). */
  drop(): void {
    this.pending = undefined;
  }
}
