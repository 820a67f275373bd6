package dev.flywheel.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaTest {

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start();
        System.out.printf("EmbeddedKafka started in %d ms at %s%n", kafka.startupTime().toMillis(), kafka.bootstrapServers());
    }

    @AfterAll
    static void stopBroker() {
        long start = System.nanoTime();
        kafka.close();
        System.out.printf("EmbeddedKafka closed in %d ms%n", Duration.ofNanos(System.nanoTime() - start).toMillis());
    }

    @Test
    void idempotentProducerRecordsAreReadBackAcrossPartitions() {
        kafka.createTopic("clicks", 2);
        try (KafkaProducer<String, String> producer = producer(Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true))) {
            for (int i = 0; i < 1_000; i++) {
                producer.send(new ProducerRecord<>("clicks", "user-" + i, "event-" + i));
            }
        }

        List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll("clicks", Duration.ofSeconds(30));

        assertThat(records).hasSize(1_000);
        assertThat(values(records)).isEqualTo(IntStream.range(0, 1_000).mapToObj(i -> "event-" + i).collect(Collectors.toSet()));
        assertThat(records.stream().map(ConsumerRecord::partition).distinct()).containsExactlyInAnyOrder(0, 1);
        assertThat(kafka.count("clicks")).isEqualTo(1_000);
    }

    @Test
    void abortedAndOpenTransactionsAreInvisibleToReadAll() throws Exception {
        kafka.createTopic("outcomes", 1);
        try (KafkaProducer<String, String> producer = producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "outcomes-writer"))) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>("outcomes", "committed-" + i));
            }
            producer.commitTransaction();

            producer.beginTransaction();
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>("outcomes", "aborted-" + i));
            }
            producer.flush();
            producer.abortTransaction();

            // Aborted records did reach the log: 10 committed + marker + 5 aborted + marker.
            assertThat(latestOffset("outcomes")).isEqualTo(17);
            assertThat(values(kafka.readAll("outcomes", Duration.ofSeconds(10))))
                    .isEqualTo(IntStream.range(0, 10).mapToObj(i -> "committed-" + i).collect(Collectors.toSet()));

            producer.beginTransaction();
            producer.send(new ProducerRecord<>("outcomes", "open-0"));
            producer.flush();
            // An open transaction holds the last stable offset back: readAll returns, without it.
            assertThat(kafka.count("outcomes")).isEqualTo(10);
            producer.commitTransaction();
        }
        assertThat(kafka.count("outcomes")).isEqualTo(11);
    }

    @Test
    void consumerGroupsCommitOffsets() throws Exception {
        kafka.createTopic("grouped", 2);
        try (KafkaProducer<String, String> producer = producer(Map.of())) {
            for (int i = 0; i < 100; i++) {
                producer.send(new ProducerRecord<>("grouped", "k" + i, "v" + i));
            }
        }
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "readers",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        int received = 0;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("grouped"));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (received < 100 && System.nanoTime() < deadline) {
                received += consumer.poll(Duration.ofMillis(200)).count();
            }
            consumer.commitSync();
        }

        assertThat(received).isEqualTo(100);
        try (Admin admin = kafka.admin()) {
            long committed = admin.listConsumerGroupOffsets("readers").partitionsToOffsetAndMetadata().get()
                    .values().stream().mapToLong(offset -> offset.offset()).sum();
            assertThat(committed).isEqualTo(100);
        }
    }

    /**
     * The broker lists a new partition's leader in its metadata before it has made itself that
     * leader, and a 4.1 broker that takes a producer's second batch first, on a partition with
     * no producer state, loses the first batch (KAFKA-15591): its retries then fail with
     * OUT_OF_ORDER_SEQUENCE_NUMBER until the delivery timeout. So createTopic must return only
     * once every partition takes writes. A producer without retries sees the difference at
     * once: a partition not yet led fails its one send with NOT_LEADER_OR_FOLLOWER.
     */
    @Test
    void everyPartitionTakesWritesOnceCreateTopicReturns() throws Exception {
        int partitions = 24;
        for (int round = 0; round < 5; round++) {
            String topic = "writable-" + round;
            kafka.createTopic(topic, partitions);
            try (KafkaProducer<String, String> producer = producer(Map.of(
                    ProducerConfig.RETRIES_CONFIG, 0,
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false))) {
                List<Future<RecordMetadata>> sends = IntStream.range(0, partitions)
                        .mapToObj(partition -> producer.send(new ProducerRecord<>(topic, partition, "k", "v")))
                        .toList();
                for (Future<RecordMetadata> send : sends) {
                    assertThat(send.get().offset()).isZero();
                }
            }
        }
    }

    @Test
    void createTopicAppliesConfigs() throws Exception {
        kafka.createTopic("model-updates", 1, Map.of("cleanup.policy", "compact"));

        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "model-updates");
        try (Admin admin = kafka.admin()) {
            String policy = admin.describeConfigs(List.of(topic)).all().get().get(topic).get("cleanup.policy").value();
            assertThat(policy).isEqualTo("compact");
        }
    }

    @Test
    void readingAMissingTopicFailsInsteadOfReturningNothing() {
        assertThatThrownBy(() -> kafka.readAll("no-such-topic", Duration.ofSeconds(2)))
                .isInstanceOf(UnknownTopicOrPartitionException.class);
        // Reading must not create it as a side effect, even with auto-creation on.
        assertThatThrownBy(() -> kafka.count("no-such-topic"))
                .isInstanceOf(UnknownTopicOrPartitionException.class);
    }

    @Test
    void fixedPortIsAdvertisedToClients() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        try (EmbeddedKafka fixed = EmbeddedKafka.builder().port(port).defaultPartitions(3).start()) {
            assertThat(fixed.bootstrapServers()).isEqualTo("localhost:" + port);
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                    Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, fixed.bootstrapServers()),
                    new StringSerializer(), new StringSerializer())) {
                // Auto-created, so it gets the default partition count set above.
                producer.send(new ProducerRecord<>("auto", "hello")).get();
            }
            try (Admin admin = fixed.admin()) {
                assertThat(admin.describeTopics(List.of("auto")).allTopicNames().get().get("auto").partitions()).hasSize(3);
                assertThat(admin.describeCluster().nodes().get())
                        .singleElement()
                        .satisfies(node -> assertThat(node.port()).isEqualTo(port));
            }
            assertThat(fixed.count("auto")).isEqualTo(1);
        }
    }

    private static KafkaProducer<String, String> producer(Map<String, Object> overrides) {
        Map<String, Object> config = new HashMap<>(overrides);
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    private static long latestOffset(String topic) throws Exception {
        TopicPartition partition = new TopicPartition(topic, 0);
        try (Admin admin = kafka.admin()) {
            return admin.listOffsets(Map.of(partition, OffsetSpec.latest())).partitionResult(partition).get().offset();
        }
    }

    private static Set<String> values(List<ConsumerRecord<byte[], byte[]>> records) {
        Set<String> values = new HashSet<>();
        records.forEach(record -> values.add(new String(record.value(), UTF_8)));
        return values;
    }
}
