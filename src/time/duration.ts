/**
 * A length of time in milliseconds, branded so that a plain number is not mistaken for one.
 *
 * @example
 * ```ts
 * import { seconds } from 'sluice';
 * const d = seconds(30); // Duration of 30 000 ms
 * ```
 * @category Time
 */
export type Duration = number & { readonly __duration: unique symbol };

/**
 * A duration of `n` milliseconds.
 *
 * @example
 * ```ts
 * import { millis } from 'sluice';
 * const d = millis(250);
 * ```
 * @category Time
 */
export function millis(n: number): Duration {
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`millis(${n}): a duration must be a finite, non-negative number`);
  return n as Duration;
}

/**
 * A duration of `n` seconds.
 *
 * @example
 * ```ts
 * import { seconds } from 'sluice';
 * const d = seconds(1); // 1000 ms
 * ```
 * @category Time
 */
export function seconds(n: number): Duration {
  return millis(n * 1000);
}

/**
 * A duration of `n` minutes.
 *
 * @example
 * ```ts
 * import { minutes } from 'sluice';
 * const d = minutes(5); // 300 000 ms
 * ```
 * @category Time
 */
export function minutes(n: number): Duration {
  return millis(n * 60_000);
}

/**
 * A duration of `n` hours.
 *
 * @example
 * ```ts
 * import { hours } from 'sluice';
 * const d = hours(1);
 * ```
 * @category Time
 */
export function hours(n: number): Duration {
  return millis(n * 3_600_000);
}

/** Formats a millisecond count the way plans print it: `500ms`, `30s`, `5m`, `1h`. @internal */
export function formatMillis(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0 && ms > 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
