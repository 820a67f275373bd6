package dev.flywheel.jobs.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.flywheel.embedded.EmbeddedKafka;
import dev.flywheel.embedded.EmbeddedKafkaExtension;
import dev.flywheel.events.DeadLetter;
import dev.flywheel.events.DeadLetterCodec;
import dev.flywheel.events.Decoded;
import dev.flywheel.events.EventHeader;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.events.EventCodec;
import dev.flywheel.events.EventType;
import dev.flywheel.jobs.JobArgs;
import dev.flywheel.simulator.ClickstreamProducer;
import dev.flywheel.simulator.KafkaRecordSink;
import dev.flywheel.simulator.KeyedRecord;
import dev.flywheel.simulator.RecordCounts;
import dev.flywheel.simulator.RecordStream;
import dev.flywheel.simulator.ShopSimulator;
import dev.flywheel.simulator.SimulatedClickstream;
import dev.flywheel.simulator.SimulatorConfig;
import dev.flywheel.simulator.TaobaoReplay;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The analytics job end to end: a real Kafka broker, a Flink MiniCluster at parallelism 2, the
 * job's own Kafka connectors. Restarts are switched off, so a record that made the job fail even
 * once fails the test instead of being retried away.
 */
class AnalyticsJobKafkaTest {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(4)
            .build());

    private static final int PARTITIONS = 4;

    @ParameterizedTest(name = "delivery {0}")
    @EnumSource(value = DeliveryGuarantee.class, names = {"AT_LEAST_ONCE", "EXACTLY_ONCE"})
    void simulatedShopWithMalformedRecordsIsCountedExactly(DeliveryGuarantee delivery) throws Exception {
        Topics topics = Topics.create(KAFKA.kafka(), "sim-" + delivery.name().toLowerCase());
        ShopSimulator simulator = new ShopSimulator(SimulatorConfig.defaults(42));
        SimulatedClickstream stream = new SimulatedClickstream(simulator, 101_000, 1_000 / 101_000.0);
        Map<ByteBuffer, String> expectedReasonByPayload = new HashMap<>();
        produce(topics.clickstream, stream, expectedReasonByPayload);

        RecordCounts sent = stream.counts();
        assertThat(sent.valid()).isEqualTo(100_000);
        assertThat(sent.malformed()).isEqualTo(1_000);
        assertThat(sent.malformedByKind()).hasSizeGreaterThanOrEqualTo(20);

        runJob(topics, delivery);

        List<DeadLetter> dead = readDeadLetters(topics.dlq);
        assertThat(dead).hasSize(1_000);
        for (DeadLetter letter : dead) {
            assertThat(letter.sourceTopic()).isEqualTo(topics.clickstream);
            assertThat(letter.detail()).isNotBlank();
            // Each dead letter carries exactly the bytes that were sent, and the reason they deserve.
            assertThat(expectedReasonByPayload).containsKey(ByteBuffer.wrap(letter.payload()));
            assertThat(letter.reason()).isEqualTo(expectedReasonByPayload.get(ByteBuffer.wrap(letter.payload())));
        }
        assertThat(dead.stream().map(DeadLetter::reason).collect(Collectors.toSet())).hasSizeGreaterThanOrEqualTo(15);

        List<MinuteAnalytics> minutes = readAnalytics(topics.analytics);
        assertThat(funnelTotals(minutes)).isEqualTo(wireNames(sent.validByType()));
        assertThat(minutes.stream().mapToLong(MinuteAnalytics::events).sum()).isEqualTo(100_000);
        // Every minute is published once, in order, and none is missing in the middle.
        assertThat(minutes.stream().map(MinuteAnalytics::windowStart).distinct().count()).isEqualTo(minutes.size());
        assertThat(KAFKA.kafka().count(topics.late)).isZero();

        MinuteAnalytics busiest = minutes.stream().max((a, b) -> Long.compare(a.events(), b.events())).orElseThrow();
        assertThat(busiest.sessions()).isPositive();
        assertThat(busiest.topCategories()).isNotEmpty();
        assertThat(busiest.conversionRate()).isBetween(0.0, 1.0);
        assertThat(minutes.stream().mapToDouble(MinuteAnalytics::revenue).sum()).isPositive();
    }

    @Test
    void realTaobaoSampleIsFullyAccountedFor() throws Exception {
        Path sample = TaobaoSample.locate();
        assumeTrue(sample != null, "Taobao sample not found (../shared/data/taobao-user-behavior-110k.csv): skipped");

        Topics topics = Topics.create(KAFKA.kafka(), "taobao");
        RecordCounts sent;
        try (TaobaoReplay replay = TaobaoReplay.open(sample)) {
            RecordStream stream = replay.records(new EventCodec());
            produce(topics.clickstream, stream, new HashMap<>());
            sent = stream.counts();
        }
        runJob(topics, DeliveryGuarantee.AT_LEAST_ONCE);

        long rows = Files.lines(sample).count();
        List<MinuteAnalytics> minutes = readAnalytics(topics.analytics);
        long valid = minutes.stream().mapToLong(MinuteAnalytics::events).sum();
        long rejected = KAFKA.kafka().count(topics.dlq);
        long late = KAFKA.kafka().count(topics.late);
        System.out.printf("taobao: %d rows, %d valid in %d minutes, %d dead-lettered, %d late%n",
                rows, valid, minutes.size(), rejected, late);
        assertThat(valid + rejected + late).isEqualTo(rows).isEqualTo(110_300);
        Map<String, Long> funnel = funnelTotals(minutes);
        assertThat(funnel).containsEntry("view", 98_361L).containsEntry("add_to_cart", 6_063L)
                .containsEntry("add_to_wishlist", 3_383L).containsEntry("purchase", 2_493L);
        assertThat(funnel).isEqualTo(wireNames(sent.validByType()));
    }

    @Test
    void anEventBehindTheWatermarkGoesToTheLateTopicAndNotIntoAPublishedMinute() throws Exception {
        Topics topics = Topics.create(KAFKA.kafka(), "late", 1);
        long minute0 = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
        EventCodec codec = new EventCodec();
        ShopperEvent late = view("late", minute0 + 30_000);

        JobClient job = startJob(topics, Map.of("starting-offsets", "earliest", "max-out-of-orderness", "1s",
                // The second source subtask has no partition to read: it must not hold the watermark long.
                "idleness", "1s"));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(KafkaRecordSink.producerProperties(
                KAFKA.kafka().bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (ShopperEvent event : List.of(view("a", minute0 + 10_000), view("b", minute0 + 20_000),
                    view("c", minute0 + 40_000), view("d", minute0 + 3 * 60_000))) {
                producer.send(new ProducerRecord<>(topics.clickstream, codec.encode(event))).get();
            }
            // Only once minute 0 is published is the late event certainly behind the watermark.
            awaitRecords(topics.analytics, 1);
            producer.send(new ProducerRecord<>(topics.clickstream, codec.encode(late))).get();
            awaitRecords(topics.late, 1);
        } finally {
            job.cancel().get();
        }

        ConsumerRecord<byte[], byte[]> lateRecord = KAFKA.kafka().readAll(topics.late, Duration.ofSeconds(10)).get(0);
        assertThat(((Decoded.Accepted) codec.decode(lateRecord.value())).event()).isEqualTo(late);
        MinuteAnalytics first = readAnalytics(topics.analytics).get(0);
        assertThat(first.windowStart()).isEqualTo(minute0);
        assertThat(first.eventsByType()).containsEntry("view", 3L);
    }

    private static ShopperEvent view(String id, long ts) {
        return new ShopperEvent.View(new EventHeader(id, ts, "u-1", "s-1"), "i-1", "shoes", 10.0);
    }

    private static void awaitRecords(String topic, long count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (KAFKA.kafka().count(topic) < count) {
            assertThat(System.nanoTime()).as("waiting for %d records on %s", count, topic).isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    private static void produce(String topic, Iterator<KeyedRecord> records, Map<ByteBuffer, String> malformed) {
        Iterator<KeyedRecord> remembering = new Iterator<>() {
            private final EventCodec codec = new EventCodec();

            @Override
            public boolean hasNext() {
                return records.hasNext();
            }

            @Override
            public KeyedRecord next() {
                KeyedRecord record = records.next();
                if (record.malformed()) {
                    malformed.put(ByteBuffer.wrap(record.value()),
                            ((Decoded.Rejected) codec.decode(record.value())).reason().code());
                }
                return record;
            }
        };
        try (ClickstreamProducer producer = new ClickstreamProducer(
                new KafkaRecordSink(KAFKA.kafka().bootstrapServers(), topic))) {
            producer.produce(remembering, 0, progress -> { });
        }
    }

    private static void runJob(Topics topics, DeliveryGuarantee delivery) throws Exception {
        StreamExecutionEnvironment env = environment(topics, Map.of("starting-offsets", "earliest",
                "bounded", "true", "delivery", delivery.name()));
        env.execute("analytics-" + topics.clickstream);
    }

    private static JobClient startJob(Topics topics, Map<String, String> args) throws Exception {
        return environment(topics, args).executeAsync("analytics-" + topics.clickstream);
    }

    private static StreamExecutionEnvironment environment(Topics topics, Map<String, String> args) {
        Map<String, String> all = new HashMap<>(Map.of(
                "bootstrap", KAFKA.kafka().bootstrapServers(),
                "group-id", "test-" + topics.clickstream,
                "checkpoint-interval", "1s",
                "parallelism", "2",
                "clickstream-topic", topics.clickstream,
                "dlq-topic", topics.dlq,
                "late-topic", topics.late,
                "analytics-topic", topics.analytics));
        all.putAll(args);
        Configuration noRestarts = new Configuration();
        noRestarts.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(noRestarts);
        AnalyticsJob.onKafka(AnalyticsConfig.from(JobArgs.of(all))).build(env);
        return env;
    }

    private static List<DeadLetter> readDeadLetters(String topic) {
        DeadLetterCodec codec = new DeadLetterCodec();
        List<DeadLetter> letters = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : KAFKA.kafka().readAll(topic, Duration.ofSeconds(30))) {
            letters.add(codec.decode(record.value()));
        }
        return letters;
    }

    private static List<MinuteAnalytics> readAnalytics(String topic) {
        return KAFKA.kafka().readAll(topic, Duration.ofSeconds(30)).stream()
                .map(record -> MinuteAnalyticsCodec.decode(record.value()))
                .sorted((a, b) -> Long.compare(a.windowStart(), b.windowStart()))
                .toList();
    }

    private static Map<String, Long> funnelTotals(List<MinuteAnalytics> minutes) {
        Map<String, Long> totals = new TreeMap<>();
        for (MinuteAnalytics minute : minutes) {
            minute.eventsByType().forEach((type, n) -> totals.merge(type, n, Long::sum));
        }
        return totals;
    }

    private static Map<String, Long> wireNames(Map<EventType, Long> byType) {
        Map<EventType, Long> all = new EnumMap<>(EventType.class);
        for (EventType type : EventType.values()) {
            all.put(type, byType.getOrDefault(type, 0L));
        }
        return all.entrySet().stream().collect(Collectors.toMap(e -> e.getKey().wireName(), Map.Entry::getValue,
                Long::sum, TreeMap::new));
    }

    /** Each test gets its own topics so runs cannot see each other's records. */
    private record Topics(String clickstream, String dlq, String late, String analytics) {
        static Topics create(EmbeddedKafka kafka, String prefix) {
            return create(kafka, prefix, PARTITIONS);
        }

        static Topics create(EmbeddedKafka kafka, String prefix, int partitions) {
            Topics topics = new Topics(prefix + ".clickstream", prefix + ".dlq", prefix + ".late",
                    prefix + ".analytics");
            // The clickstream last, so the producer starts right after the broker took the topic it
            // writes: the case that lost a first batch when createTopic returned before the broker led
            // every partition (docs/kafka.md). A Set's order changes from one JVM to the next.
            for (String topic : List.of(topics.dlq, topics.late, topics.analytics, topics.clickstream)) {
                kafka.createTopic(topic, partitions);
            }
            return topics;
        }
    }
}
