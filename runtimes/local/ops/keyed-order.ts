/**
 * The keyed entries of a snapshot `[key, [state, time, place]]` sorted by `place` (the
 * key's position in the map when it was taken), so a restore rebuilds the map in the
 * order an uninterrupted run has it. Entries without a place keep their order.
 */
export function inOrder(keyed: ReadonlyArray<readonly [unknown, unknown]> | undefined): Array<[unknown, [unknown, number, number?]]> {
  const entries = [...((keyed ?? []) as Array<[unknown, [unknown, number, number?]]>)];
  return entries.sort((a, b) => (a[1][2] ?? 0) - (b[1][2] ?? 0));
}
