package dev.flywheel.jobs.searchoutcomes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.embedded.EmbeddedKafkaExtension;
import dev.flywheel.events.DeadLetter;
import dev.flywheel.events.EventCodec;
import dev.flywheel.events.EventHeader;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.jobs.JobArgs;
import dev.flywheel.jobs.ingest.ParsingDeserializer;
import dev.flywheel.outcomes.SearchOutcome;
import dev.flywheel.outcomes.SearchOutcomeJson;
import dev.flywheel.simulator.KafkaRecordSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Search outcomes are training data, so each list is written once, also across a failure. The job
 * (real Kafka, parallelism 2, four clickstream partitions) commits the rows of a first part of the
 * traffic with checkpoint 1, writes the rows of a second part into the next, open transaction, then
 * fails and restarts from checkpoint 1. A {@code read_committed} reader must then see every list
 * once, with the clicks and purchases that were generated for it; a {@code read_uncommitted} reader
 * is the negative control that must see the aborted copies, or duplicates could not have been seen.
 * Checkpoints are triggered by the test (the interval is ten minutes), so the open transaction at
 * the failure certainly holds rows.
 */
class SearchOutcomesExactlyOnceKafkaTest {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(4)
            .build());

    private static final int PARTITIONS = 4;
    private static final long BOUND = 5_000;
    private static final long HOUR = 3_600_000;
    private static final Duration DEADLINE = Duration.ofMinutes(3);
    private static final String POISON = "fail-here-once";
    private static final String CLICKSTREAM = "so.clickstream";
    private static final String OUTCOMES = "so.search-outcomes";

    @Test
    void aFailureMidStreamLeavesNoDuplicateAndNoMissingRow(@InjectMiniCluster MiniCluster cluster) throws Exception {
        FailOnce.FAILURES.set(0);
        KAFKA.kafka().createTopic(CLICKSTREAM, PARTITIONS);
        KAFKA.kafka().createTopic("so.dlq", 1);
        KAFKA.kafka().createTopic(OUTCOMES, PARTITIONS);
        SearchTraffic traffic = new SearchTraffic(21, "shopper-", 160, 8);
        List<ShopperEvent> events = traffic.events;
        int firstEnd = events.size() * 2 / 5;
        int secondEnd = events.size() * 7 / 10;

        Configuration configuration = new Configuration();
        configuration.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        configuration.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 1);
        configuration.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
        configuration.set(CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS, Duration.ofMinutes(10));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(configuration);
        Map<String, String> args = new HashMap<>();
        args.put("bootstrap", KAFKA.kafka().bootstrapServers());
        args.put("group-id", "search-outcomes-test");
        args.put("starting-offsets", "earliest");
        args.put("parallelism", "2");
        args.put("checkpoint-interval", "10min");
        args.put("checkpoint-timeout", "1min");
        args.put("idleness", "10min");
        args.put("max-out-of-orderness", BOUND + "ms");
        args.put("clickstream-topic", CLICKSTREAM);
        args.put("dlq-topic", "so.dlq");
        args.put("search-outcomes-topic", OUTCOMES);
        SearchOutcomesConfig config = SearchOutcomesConfig.from(JobArgs.of(args));
        SearchOutcomesJob.onKafka(config, new FailOnce(config.job().maxPayloadBytes())).build(env);
        JobClient job = env.executeAsync("search-outcomes-exactly-once");
        JobID id = job.getJobID();

        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                KafkaRecordSink.producerProperties(KAFKA.kafka().bootstrapServers()), new ByteArraySerializer(),
                new ByteArraySerializer());
                Tail committed = new Tail("read_committed");
                Tail uncommitted = new Tail("read_uncommitted")) {
            // 1. The rows the first part closes are written, then committed by checkpoint 1.
            produce(producer, events.subList(0, firstEnd));
            long first = closedAfter(traffic, firstEnd);
            await(first + " rows of the first part", () -> uncommitted.rows().size() == first,
                    () -> uncommitted.rows().size());
            assertThat(first).isGreaterThan(200);
            cluster.triggerCheckpoint(id).get(2, TimeUnit.MINUTES);
            await("checkpoint 1 committed", () -> committed.rows().size() == first, () -> committed.rows().size());

            // 2. The second part's rows go into the open transaction; then the failure, and a restart
            // from checkpoint 1 that writes them again.
            produce(producer, events.subList(firstEnd, secondEnd));
            long second = closedAfter(traffic, secondEnd);
            await(second + " rows up to the second part", () -> uncommitted.rows().size() == second,
                    () -> uncommitted.rows().size());
            assertThat(second - first).isGreaterThan(200);
            produce(producer, List.of(new ShopperEvent.View(new EventHeader(POISON, events.get(secondEnd - 1).ts(),
                    "marker-poison", "marker"), "marker-item", "markers", 1.0)));
            await("the failure and the restart", () -> FailOnce.FAILURES.get() == 1 && status(job) == JobStatus.RUNNING
                    && uncommitted.rows().size() > second,
                    () -> "failures " + FailOnce.FAILURES.get() + ", job " + status(job) + ", rows read "
                            + uncommitted.rows().size());

            // 3. The rest, and markers two hours later on every partition that close every window.
            produce(producer, events.subList(secondEnd, events.size()));
            produce(producer, markers(traffic.lastTs() + 2 * HOUR));
            int total = traffic.expected.size();
            await("a row for every list, uncommitted", () -> distinct(uncommitted.rows()) == total,
                    () -> distinct(uncommitted.rows()));
            cluster.triggerCheckpoint(id).get(2, TimeUnit.MINUTES);
            await("a row for every list, committed", () -> committed.rows().size() >= total,
                    () -> committed.rows().size());
            job.cancel().get();

            List<SearchOutcome> read = committed.rows();
            Map<String, SearchOutcome> byRequest = new HashMap<>();
            long differing = 0;
            for (SearchOutcome row : read) {
                byRequest.put(row.requestId(), row);
                differing += row.equals(traffic.expected.get(row.requestId())) ? 0 : 1;
            }
            long duplicates = read.size() - byRequest.size();
            long missing = traffic.expected.keySet().stream().filter(r -> !byRequest.containsKey(r)).count();
            long uncommittedDuplicates = uncommitted.rows().size() - distinct(uncommitted.rows());
            System.out.printf("exactly-once search outcomes: %d events, %d lists, 1 failure and restart; read_committed:"
                            + " %d rows, %d duplicates, %d missing, %d differing from the generated clicks and purchases;"
                            + " read_uncommitted: %d rows, %d duplicates (aborted copies)%n",
                    events.size(), total, read.size(), duplicates, missing, differing, uncommitted.rows().size(),
                    uncommittedDuplicates);

            assertThat(FailOnce.FAILURES.get()).isEqualTo(1);
            assertThat(duplicates).isZero();
            assertThat(missing).isZero();
            assertThat(differing).isZero();
            assertThat(uncommittedDuplicates).isEqualTo(second - first);
        }
    }

    /**
     * How many lists of the first {@code produced} events are closed once the job has read them: those
     * whose window ends at or before the watermark (the smallest of the partitions' newest event times,
     * less the bound and 1 ms) or at or before the same bound behind their own shopper's newest event.
     */
    private static long closedAfter(SearchTraffic traffic, int produced) {
        long[] newest = new long[PARTITIONS];
        Arrays.fill(newest, Long.MIN_VALUE);
        Map<String, Long> newestOfUser = new HashMap<>();
        List<ShopperEvent> part = traffic.events.subList(0, produced);
        for (ShopperEvent event : part) {
            int partition = partitionOf(event.userId());
            newest[partition] = Math.max(newest[partition], event.ts());
            newestOfUser.merge(event.userId(), event.ts(), Math::max);
        }
        long watermark = Arrays.stream(newest).min().orElseThrow() - BOUND - 1;
        return part.stream()
                .filter(e -> e instanceof ShopperEvent.Search)
                .map(e -> traffic.expected.get(((ShopperEvent.Search) e).requestId()))
                .filter(row -> row.closedAt() <= Math.max(watermark, newestOfUser.get(row.userId()) - BOUND - 1))
                .count();
    }

    private static void produce(KafkaProducer<byte[], byte[]> producer, List<ShopperEvent> events) {
        EventCodec codec = new EventCodec();
        for (ShopperEvent event : events) {
            producer.send(new ProducerRecord<>(CLICKSTREAM, event.userId().getBytes(StandardCharsets.UTF_8),
                    codec.encode(event)));
        }
        producer.flush();
    }

    /** One view per partition at {@code ts}, by users of their own: moves every partition's watermark. */
    private static List<ShopperEvent> markers(long ts) {
        List<ShopperEvent> events = new ArrayList<>();
        boolean[] covered = new boolean[PARTITIONS];
        for (int u = 0, found = 0; found < PARTITIONS; u++) {
            String user = "marker-" + u;
            if (!covered[partitionOf(user)]) {
                covered[partitionOf(user)] = true;
                found++;
                events.add(new ShopperEvent.View(new EventHeader(user, ts, user, "marker"), "marker-item", "markers",
                        1.0));
            }
        }
        return events;
    }

    /** The clickstream partition of a user (the producer's default partitioner). */
    private static int partitionOf(String user) {
        return Utils.toPositive(Utils.murmur2(user.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
    }

    private static long distinct(List<SearchOutcome> rows) {
        return rows.stream().map(SearchOutcome::requestId).distinct().count();
    }

    private static JobStatus status(JobClient job) {
        try {
            return job.getJobStatus().get();
        } catch (Exception e) {
            return JobStatus.FAILED;
        }
    }

    private static void await(String what, BooleanSupplier condition, Supplier<Object> state)
            throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waiting for " + what + " for " + DEADLINE.toSeconds() + " s: " + state.get());
            }
            Thread.sleep(50);
        }
    }

    /** A reader of the outcomes topic from its beginning, polled as the test goes. */
    private static final class Tail implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final List<SearchOutcome> rows = new ArrayList<>();
        private final SearchOutcomeJson json = new SearchOutcomeJson();

        Tail(String isolation) {
            Properties properties = new Properties();
            properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.kafka().bootstrapServers());
            properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
            properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                partitions.add(new TopicPartition(OUTCOMES, p));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        List<SearchOutcome> rows() {
            while (true) {
                var batch = consumer.poll(Duration.ofMillis(100));
                if (batch.isEmpty()) {
                    return rows;
                }
                for (ConsumerRecord<byte[], byte[]> record : batch) {
                    rows.add(json.decode(record.value()));
                }
            }
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    /** The job's parser, except that the first time it meets the poison record it throws, as a crashing task would. */
    static final class FailOnce implements KafkaRecordDeserializationSchema<Either<DeadLetter, ShopperEvent>> {
        private static final long serialVersionUID = 1L;
        static final AtomicInteger FAILURES = new AtomicInteger();
        private final ParsingDeserializer parser;

        FailOnce(int maxPayloadBytes) {
            this.parser = new ParsingDeserializer(maxPayloadBytes);
        }

        @Override
        public void open(DeserializationSchema.InitializationContext context) throws Exception {
            parser.open(context);
        }

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Either<DeadLetter, ShopperEvent>> out)
                throws IOException {
            if (new String(record.value(), StandardCharsets.UTF_8).contains(POISON) && FAILURES.compareAndSet(0, 1)) {
                throw new IOException("failure forced by the test at " + record.topic() + "-" + record.partition()
                        + "@" + record.offset());
            }
            parser.deserialize(record, out);
        }

        @Override
        public TypeInformation<Either<DeadLetter, ShopperEvent>> getProducedType() {
            return parser.getProducedType();
        }
    }
}
