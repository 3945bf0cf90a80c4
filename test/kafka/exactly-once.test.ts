import { it } from 'vitest';
import { exactlyOnceUnderKills } from './exactly-once-run.js';
import { kafkaDescribe } from './helpers.js';

kafkaDescribe('exactly-once Kafka -> Kafka', () => {
  it('cluster runtime: SIGKILL of the whole job at 20 random points and around the Kafka and checkpoint commits, restarted from its checkpoint: read_committed readers see each input record exactly once', () =>
    exactlyOnceUnderKills(['--runtime', 'cluster', '--workers', '2'], [[2, 'after-commit'], [3, 'before-write'], [3, 'in-transaction'], [5, 'after-commit']]), 900_000);
});
