import { it } from 'vitest';
import { exactlyOnceUnderKills } from './exactly-once-run.js';
import { kafkaDescribe } from './helpers.js';

kafkaDescribe('exactly-once Kafka -> Kafka on the local runtime', () => {
  it('local runtime with a checkpoint dir: SIGKILL at 20 random points and around the Kafka and checkpoint commits, restarted from its checkpoint: read_committed readers see each input record exactly once', () =>
    exactlyOnceUnderKills(['--runtime', 'local'], [[2, 'after-commit'], [3, 'before-write'], [3, 'in-transaction'], [5, 'after-commit']]), 900_000);
});
