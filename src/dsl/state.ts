import * as O from 'fp-ts/lib/Option.js';

/**
 * The state of one key inside `mapWithState`, as Spark's `State[S]`.
 *
 * @example
 * ```ts
 * const fn = (key: string, value: Option<number>, state: State<number>) => {
 *   const sum = (state.exists() ? state.get() : 0) + O.getOrElse(() => 0)(value);
 *   state.update(sum);
 *   return O.some([key, sum] as const);
 * };
 * ```
 * @category State
 */
export interface State<S> {
  /** Whether the key has state. */
  exists(): boolean;
  /** The state; throws when there is none (check `exists()` or use `getOption()`). */
  get(): S;
  /** The state as an Option. */
  getOption(): O.Option<S>;
  /** Sets the state. Not allowed while the key is timing out. */
  update(s: S): void;
  /** Removes the state. */
  remove(): void;
  /** True when this call is the last one for a key whose state timed out. */
  isTimingOut(): boolean;
}

/** The mutable State handed to mapWithState functions; one instance is reused per call. @internal */
export class StateCell<S> implements State<S> {
  private has = false;
  private value: S | undefined;
  private timingOut = false;
  /** Set when update() or remove() was called during the current call. */
  updated = false;
  removed = false;

  reset(has: boolean, value: S | undefined, timingOut: boolean): this {
    this.has = has;
    this.value = value;
    this.timingOut = timingOut;
    this.updated = false;
    this.removed = false;
    return this;
  }
  exists(): boolean { return this.has; }
  get(): S {
    if (!this.has) throw new Error('State.get(): the key has no state (check exists() or use getOption())');
    return this.value as S;
  }
  getOption(): O.Option<S> { return this.has ? O.some(this.value as S) : O.none; }
  update(s: S): void {
    if (this.timingOut) throw new Error('State.update(): cannot update the state of a key that is timing out');
    if (this.removed) throw new Error('State.update(): the state was already removed in this call');
    this.has = true;
    this.value = s;
    this.updated = true;
  }
  remove(): void {
    if (this.timingOut) throw new Error('State.remove(): cannot remove the state of a key that is timing out; it is removed anyway');
    if (this.removed) throw new Error('State.remove(): the state was already removed in this call');
    this.has = false;
    this.value = undefined;
    this.removed = true;
  }
  isTimingOut(): boolean { return this.timingOut; }
}
