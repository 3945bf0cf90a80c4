/**
 * The dead letters of one task, batch by batch: what its sources and operators reject, with
 * the batch time each belongs to. Both runtimes build dead letters here, so a letter reads the
 * same whichever runtime wrote it.
 *
 * @module
 */
import type { DeadLetter } from '../../src/io/connector.js';
import { rawText } from '../local/guard.js';

/**
 * Collects a task's dead letters until the runtime takes them after a batch. A source may
 * poll its next batch before this one was taken ({@link pollingAhead}): the letters of that
 * poll belong to the next batch and wait for it.
 *
 * @example
 * ```ts
 * const dead = new TaskDeadLetters(() => clock.now);
 * dead.add('parse#2', 'invalid JSON', line);
 * await sink.write(dead.take(), t);
 * ```
 */
export class TaskDeadLetters {
  private letters: DeadLetter[] = [];
  private ahead?: { readonly t: number; readonly letters: DeadLetter[] };

  /**
   * @param time The batch being run, for letters sent between batches (a source's reader).
   * @param onLetter Called for every letter as it comes (a running count).
   */
  constructor(private readonly time: () => number, private readonly onLetter?: () => void) {}

  /** Adds a letter of batch `t` (default: the batch being run, or the batch polled ahead). */
  add(origin: string, reason: string, raw: unknown, t?: number): void {
    const ahead = t === undefined ? this.ahead : undefined;
    const letter = { origin, reason, raw: rawText(raw), batchTime: ahead ? ahead.t : t ?? this.time() };
    (ahead ? ahead.letters : this.letters).push(letter);
    this.onLetter?.();
  }

  /** From now until {@link beginBatch}, letters sent without a batch time belong to batch `t` (a poll ahead of it). */
  pollingAhead(t: number): void {
    this.ahead = { t, letters: [] };
  }

  /** A batch begins: the letters of a poll ahead of it become its own. */
  beginBatch(): void {
    if (!this.ahead) return;
    for (const l of this.ahead.letters) this.letters.push(l);
    this.ahead = undefined;
  }

  /** Letters waiting to be taken. */
  get pending(): readonly DeadLetter[] {
    return this.letters;
  }

  /** The letters of the batch that ran, in the order they came; the buffer starts over. */
  take(): DeadLetter[] {
    const out = this.letters;
    this.letters = [];
    return out;
  }
}
