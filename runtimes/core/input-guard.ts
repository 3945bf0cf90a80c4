/**
 * Checkpoints remember what file a source was reading: each snapshot of a file source
 * carries the file's fingerprint (`src/engine/fingerprint.ts`), and a resume refuses, before
 * any worker starts, a file that changed since (a shuffled file of the same size would
 * otherwise resume at the same line and silently give other output).
 *
 * @module
 */
import { fingerprintFile, inputChanged } from '../../src/engine/fingerprint.js';
import type { InputFingerprint } from '../../src/engine/splits.js';
import { RuntimeError } from '../../src/errors.js';
import type { SourceSpec } from '../../src/ir/nodes.js';
import type { Plan } from '../../src/ir/plan.js';
import type { ExecutorState } from '../local/executor.js';
import type { SourceExecutor } from '../local/ops/source.js';

/** Source types that read one file at `spec.path`. */
const FILE_SOURCES = new Set(['textFile', 'jsonLines', 'csv', 'avroFile']);

/** The file a source reads, when it reads one. */
function fileOf(spec: SourceSpec): string | undefined {
  return FILE_SOURCES.has(spec.type) && typeof spec.path === 'string' ? spec.path : undefined;
}

/** A source executor whose snapshots also carry its input file's fingerprint (as `local.input`). */
export function fingerprinting(ex: SourceExecutor, spec: SourceSpec): SourceExecutor {
  const path = fileOf(spec);
  if (!path || !ex.snapshot) return ex;
  const snapshot = ex.snapshot.bind(ex);
  return {
    ...ex,
    snapshot: (mode) => {
      const s = snapshot(mode);
      const input = fingerprintFile(path);
      if (!input) return s;
      // Sliced sources keep their position as shared state, the others per partition.
      return s.shared !== undefined ? { ...s, shared: { ...(s.shared as object), input } } : { ...s, local: { ...(s.local as object), input } };
    },
  };
}

/**
 * Throws a {@link RuntimeError} naming the source and its file when a file source's input
 * changed since the checkpoint `dir` was taken. `states` holds each source's restored state
 * (partition 0's, read from its state segments), by node id.
 */
export function refuseChangedInputs(plan: Plan, states: Readonly<Record<string, ExecutorState>>, dir: string): void {
  for (const n of plan.nodes) {
    if (n.kind !== 'source') continue;
    const s = states[n.id];
    const kept = (s?.shared ?? s?.local) as { input?: InputFingerprint } | undefined;
    const input = kept?.input;
    if (!input) continue;
    const why = inputChanged(input);
    if (why) {
      throw new RuntimeError(
        `checkpoint directory ${dir} refused: ${n.id} (${n.source.type}) reads ${input.path}, which changed since the checkpoint: ${why}`,
        { operator: n.id, location: input.path },
        'resume with the file as it was when the checkpoint was taken, or start from an empty checkpoint directory',
      );
    }
  }
}
