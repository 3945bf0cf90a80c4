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
import type { Source } from '../../src/io/connector.js';
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

/**
 * A source executor whose snapshots also carry its input file's fingerprint (as `input`),
 * or, for an in-memory source that can tell (`source.inputDigest`), the digest of its
 * records before the snapshot's position (as `digest`).
 */
export function fingerprinting(ex: SourceExecutor, spec: SourceSpec, source?: Source<unknown>): SourceExecutor {
  const path = fileOf(spec);
  const digest = source?.inputDigest?.bind(source);
  if ((!path && !digest) || !ex.snapshot) return ex;
  const snapshot = ex.snapshot.bind(ex);
  return {
    ...ex,
    snapshot: (mode) => {
      const s = snapshot(mode);
      const input = path ? fingerprintFile(path) : undefined;
      const position = ((s.shared ?? s.local) as { position?: unknown } | undefined)?.position;
      const sum = input ? undefined : digest?.(position);
      const kept = input ? { input } : sum !== undefined ? { digest: sum } : undefined;
      if (!kept) return s;
      // Sliced sources keep their position as shared state, the others per partition.
      return s.shared !== undefined ? { ...s, shared: { ...(s.shared as object), ...kept } } : { ...s, local: { ...(s.local as object), ...kept } };
    },
  };
}

/**
 * Throws a {@link RuntimeError} naming the source and its file when a file source's input
 * changed since the checkpoint `dir` was taken, or naming the source when an in-memory
 * source's records do (another digest). `states` holds each source's restored state
 * (partition 0's, read from its state segments), by node id; `sources` the sources bound now.
 */
export function refuseChangedInputs(plan: Plan, states: Readonly<Record<string, ExecutorState>>, dir: string, sources?: ReadonlyMap<string, Source<unknown>>): void {
  for (const n of plan.nodes) {
    if (n.kind !== 'source') continue;
    const s = states[n.id];
    const kept = (s?.shared ?? s?.local) as { input?: InputFingerprint; digest?: string; position?: unknown } | undefined;
    const now = kept?.digest !== undefined ? sources?.get(n.id)?.inputDigest?.(kept.position) : undefined;
    if (now !== undefined && now !== kept!.digest) {
      throw new RuntimeError(
        `checkpoint directory ${dir} refused: ${n.id} (${n.source.type}) gives other records before position ${JSON.stringify(kept!.position)} than when the checkpoint was taken (their digest differs)`,
        { operator: n.id },
        'resume with the same input records, or start from an empty checkpoint directory',
      );
    }
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
