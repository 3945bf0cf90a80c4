/**
 * fp-ts's `Option`, re-exported: the type the state operators (`updateStateByKey`,
 * `mapWithState`) and the outer joins use for "a value or none". A job needs no dependency
 * of its own on fp-ts; values made with fp-ts directly are the same values.
 *
 * @example
 * ```ts
 * import { isSome, none, some, type Option } from 'sluice';
 * const total = (values: number[], state: Option<number>): Option<number> =>
 *   values.length ? some(values.reduce((a, b) => a + b, isSome(state) ? state.value : 0)) : none;
 * ```
 * @module
 */
export { some, none, isSome, isNone, fromNullable, getOrElse, match, type Option, type Some, type None } from 'fp-ts/lib/Option.js';
