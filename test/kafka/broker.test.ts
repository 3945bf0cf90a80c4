import { expect, it } from 'vitest';
import { admin, freshTopic, kafkaDescribe } from './helpers.js';

kafkaDescribe('the test broker', () => {
  it('answers Metadata and creates a fresh topic with leaders on every partition', async () => {
    const topic = await freshTopic(3);
    const a = await admin();
    const md = await a.fetchTopicMetadata({ topics: [topic] });
    expect(md.topics[0].partitions.map((p) => p.leader).sort()).toEqual([1, 1, 1]);
  });
});
