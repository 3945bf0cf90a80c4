package dev.sluice.bench;

import java.util.Arrays;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The Kafka Streams peer of sluice's Kafka word count (bench/kafka-bench.ts): lines of
 * space-separated words from the input topic, a running count per word, written to the
 * output topic as key = word, value = "word:count" (the format the sluice side writes).
 *
 * Usage: WordCount bootstrap input output applicationId exactly_once_v2|at_least_once stateDir commitIntervalMs
 * Prints "RUNNING <epoch ms>" when the application starts processing; stops on SIGTERM.
 *
 * <p>Configured as a fair peer (everything else is Kafka Streams' default): one stream thread
 * (sluice's local runtime is one process, one thread); commitIntervalMs for both guarantees
 * (exactly_once_v2's default is 100 ms, at_least_once's 30 s, which would hold every count
 * back up to 30 s); the record cache at its default 10 MB, so between commits only each
 * word's last count is written, as sluice writes one count per word and batch; the input
 * read read_committed under both guarantees, as sluice's source reads it (the benchmark
 * holds its measured lines back in a transaction until the warm-up is done).
 */
public final class WordCount {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, args[3]);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, args[4]);
    props.put(StreamsConfig.STATE_DIR_CONFIG, args[5]);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, args[6]);
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
    props.put(StreamsConfig.consumerPrefix("isolation.level"), "read_committed");
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 10L * 1024 * 1024);

    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(args[1], Consumed.with(Serdes.String(), Serdes.String()))
        .flatMapValues(line -> Arrays.asList(line.split(" ")))
        .groupBy((key, word) -> word, Grouped.with(Serdes.String(), Serdes.String()))
        .count()
        .toStream()
        .mapValues((word, n) -> word + ":" + n)
        .to(args[2], Produced.with(Serdes.String(), Serdes.String()));

    KafkaStreams streams = new KafkaStreams(builder.build(), props);
    CountDownLatch stopped = new CountDownLatch(1);
    streams.setStateListener((now, before) -> {
      if (now == KafkaStreams.State.RUNNING) System.out.println("RUNNING " + System.currentTimeMillis());
      if (now == KafkaStreams.State.ERROR) System.out.println("ERROR " + System.currentTimeMillis());
      System.out.flush();
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close();
      stopped.countDown();
    }));
    streams.start();
    stopped.await();
  }
}
