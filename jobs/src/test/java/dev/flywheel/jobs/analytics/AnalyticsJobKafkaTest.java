package dev.flywheel.jobs.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.flywheel.embedded.EmbeddedKafka;
import dev.flywheel.embedded.EmbeddedKafkaExtension;
import dev.flywheel.events.DeadLetter;
import dev.flywheel.events.DeadLetterCodec;
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
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
        assertThat(valid + rejected + late).isEqualTo(rows).isEqualTo(110_300);
        Map<String, Long> funnel = funnelTotals(minutes);
        assertThat(funnel).containsEntry("view", 98_361L).containsEntry("add_to_cart", 6_063L)
                .containsEntry("add_to_wishlist", 3_383L).containsEntry("purchase", 2_493L);
        assertThat(funnel).isEqualTo(wireNames(sent.validByType()));
        System.out.printf("taobao: %d rows, %d valid in %d minutes, %d dead-lettered, %d late%n",
                rows, valid, minutes.size(), rejected, late);
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
                            ((dev.flywheel.events.Decoded.Rejected) codec.decode(record.value())).reason().code());
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
        AnalyticsConfig config = AnalyticsConfig.from(JobArgs.of(Map.ofEntries(
                Map.entry("bootstrap", KAFKA.kafka().bootstrapServers()),
                Map.entry("group-id", "test-" + topics.clickstream),
                Map.entry("starting-offsets", "earliest"),
                Map.entry("bounded", "true"),
                Map.entry("delivery", delivery.name()),
                Map.entry("checkpoint-interval", "1s"),
                Map.entry("parallelism", "2"),
                Map.entry("clickstream-topic", topics.clickstream),
                Map.entry("dlq-topic", topics.dlq),
                Map.entry("late-topic", topics.late),
                Map.entry("analytics-topic", topics.analytics))));
        Configuration noRestarts = new Configuration();
        noRestarts.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(noRestarts);
        AnalyticsJob.onKafka(config).build(env);
        env.execute("analytics-" + topics.clickstream);
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
            Topics topics = new Topics(prefix + ".clickstream", prefix + ".dlq", prefix + ".late",
                    prefix + ".analytics");
            for (String topic : Set.of(topics.clickstream, topics.dlq, topics.late, topics.analytics)) {
                kafka.createTopic(topic, PARTITIONS);
            }
            return topics;
        }
    }
}
