/**
 * Whether a window (duration `windowMs`, emitting at multiples of `slideMs` from
 * `zeroTime`) that keeps `kept` (oldest first) would emit any of their records after
 * `time`: the next emission covers (next − windowMs, next].
 */
export function windowHoldsAfter(kept: ReadonlyArray<{ readonly time: number; readonly size: number }>, time: number, zeroTime: number, windowMs: number, slideMs: number): boolean {
  const next = zeroTime + (Math.floor((time - zeroTime) / slideMs) + 1) * slideMs;
  for (let i = kept.length - 1; i >= 0 && kept[i].time > next - windowMs; i--) if (kept[i].size > 0) return true;
  return false;
}
