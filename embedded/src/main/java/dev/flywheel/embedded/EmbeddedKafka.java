package dev.flywheel.embedded;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.LeaderNotAvailableException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real Kafka broker (single KRaft node, broker and controller combined) running in this JVM.
 *
 * <p>It is the same server code as a production broker, started through Kafka's own
 * {@link KafkaClusterTestKit}, with settings that make a one-node cluster behave:
 * internal topics with replication factor 1, so consumer groups and transactions work,
 * and no initial rebalance delay, so tests do not wait three seconds for every group.
 * It bootstraps at the latest <em>production</em> metadata version with unstable APIs
 * off, so it refuses what a real 4.1 broker refuses.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
 *     kafka.createTopic("clickstream", 2);
 *     ... produce to kafka.bootstrapServers() ...
 *     assertThat(kafka.count("clickstream")).isEqualTo(1000);
 * }
 * }</pre>
 *
 * <p>Logging goes through SLF4J to Log4j 2; this jar ships no Log4j configuration, so the
 * application (or test resources) decides how loud the broker is. The test kit's jar does
 * ship a {@code log4j2.yaml} that hides an application's {@code log4j2.xml}: docs/kafka.md
 * has the one-line fix.
 */
public final class EmbeddedKafka implements AutoCloseable {

    /** How long {@link #count(String)} may read before it gives up. */
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);

    /** A deadline, not a wait: a loaded 2-core machine can take seconds to create a topic's logs. */
    private static final Duration TOPIC_READY_TIMEOUT = Duration.ofSeconds(60);
    private static final String CLIENT_LISTENER = "CLIENT";

    private final KafkaClusterTestKit cluster;
    private final String bootstrapServers;
    private final Admin internalAdmin;
    private final Duration startupTime;
    private boolean closed;

    private EmbeddedKafka(KafkaClusterTestKit cluster, String bootstrapServers, Duration startupTime) {
        this.cluster = cluster;
        this.bootstrapServers = bootstrapServers;
        this.startupTime = startupTime;
        this.internalAdmin = newAdmin();
    }

    /** Starts a broker with the defaults: ephemeral port, temporary data directory, 1 partition per auto-created topic. */
    public static EmbeddedKafka start() {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code host:port} list for the {@code bootstrap.servers} client setting. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Wall-clock time from {@link Builder#start()} until the broker accepted clients. */
    public Duration startupTime() {
        return startupTime;
    }

    /** A new admin client for this broker; the caller closes it. */
    public Admin admin() {
        return newAdmin();
    }

    /**
     * Creates a topic and returns once the broker leads every partition, so the first send cannot
     * reach a partition the broker is still creating (see {@link #awaitWritable}).
     */
    public void createTopic(String name, int partitions) {
        createTopic(name, partitions, Map.of());
    }

    /** As {@link #createTopic(String, int)}, with topic configs such as {@code cleanup.policy=compact}. */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        NewTopic topic = new NewTopic(name, partitions, (short) 1).configs(configs);
        await(internalAdmin.createTopics(List.of(topic)).all());
        awaitWritable(name, partitions);
    }

    /**
     * Reads a topic from the beginning up to its end offsets as they are when the call starts,
     * like a {@code read_committed} consumer: records of aborted or still-open transactions
     * are not returned. Records are ordered by partition, then offset.
     *
     * @throws TimeoutException if the end offsets are not reached within {@code timeout}
     */
    public List<ConsumerRecord<byte[], byte[]>> readAll(String topic, Duration timeout) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        scan(topic, timeout, records::add);
        records.sort(Comparator.<ConsumerRecord<byte[], byte[]>>comparingInt(ConsumerRecord::partition)
                .thenComparingLong(ConsumerRecord::offset));
        return records;
    }

    /**
     * Number of committed records in a topic. Offsets can't answer this: transaction markers
     * and aborted records take offsets too, so the topic is read.
     */
    public long count(String topic) {
        long[] count = {0};
        scan(topic, DEFAULT_READ_TIMEOUT, record -> count[0]++);
        return count[0];
    }

    /** Stops the broker and deletes its data, unless the data directory was chosen with {@link Builder#dataDir(Path)}. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        internalAdmin.close(Duration.ofSeconds(5));
        try {
            cluster.close();
        } catch (Exception e) {
            throw new IllegalStateException("Kafka broker did not shut down cleanly", e);
        }
    }

    private Admin newAdmin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    private void scan(String topic, Duration timeout, Consumer<ConsumerRecord<byte[], byte[]>> sink) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(info -> new TopicPartition(topic, info.partition()))
                    .toList();
            if (partitions.isEmpty()) {
                throw new UnknownTopicOrPartitionException("Topic " + topic + " does not exist");
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            // Under read_committed these are last stable offsets: the end of what is committed.
            Map<TopicPartition, Long> endOffsets = consumer.endOffsets(partitions, timeout);
            while (!reachedEnd(consumer, endOffsets)) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    throw new TimeoutException("Read of " + topic + " did not reach end offsets " + endOffsets
                            + " within " + timeout + "; positions " + positions(consumer, partitions));
                }
                consumer.poll(Duration.ofNanos(Math.min(remaining, Duration.ofMillis(200).toNanos())))
                        .forEach(record -> {
                            // A fetch may run past the end offsets captured above; leave those out.
                            if (record.offset() < endOffsets.get(new TopicPartition(record.topic(), record.partition()))) {
                                sink.accept(record);
                            }
                        });
            }
        }
    }

    private static boolean reachedEnd(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> endOffsets) {
        return endOffsets.entrySet().stream()
                .allMatch(end -> consumer.position(end.getKey()) >= end.getValue());
    }

    private static Map<TopicPartition, Long> positions(KafkaConsumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        return partitions.stream().collect(Collectors.toMap(p -> p, consumer::position));
    }

    /**
     * Waits until the broker leads every partition of a new topic. A leader in the topic's
     * description is not enough: the broker publishes the new metadata, which describeTopics
     * reads, before it creates the partitions' logs and becomes their leader, one partition after
     * another (BrokerMetadataPublisher.onMetadataUpdate). A producer that starts in that gap gets
     * NOT_LEADER_OR_FOLLOWER for its first batch to a partition still being created, while its
     * next batch, already in flight, may arrive after the partition exists. A 4.1 broker takes
     * any first sequence from a producer it has no state for, so it appends the second batch, and
     * every retry of the first then fails with OUT_OF_ORDER_SEQUENCE_NUMBER until the producer's
     * delivery timeout expires it (KAFKA-15591, fixed upstream after 4.1). ListOffsets is answered only
     * by the partition's leader from its log, so once it succeeds for every partition, so does a
     * produce.
     */
    private void awaitWritable(String topic, int partitions) {
        long deadline = System.nanoTime() + TOPIC_READY_TIMEOUT.toNanos();
        while (true) {
            try {
                TopicDescription description =
                        await(internalAdmin.describeTopics(List.of(topic)).allTopicNames()).get(topic);
                if (description.partitions().size() == partitions
                        && description.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
                    Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
                    description.partitions().forEach(p -> ends.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
                    int remainingMs = (int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                    await(internalAdmin.listOffsets(ends, new ListOffsetsOptions().timeoutMs(remainingMs)).all());
                    return;
                }
            } catch (UnknownTopicOrPartitionException | NotLeaderOrFollowerException | LeaderNotAvailableException notYet) {
                // The controller has committed the topic; the broker is still applying it.
            } catch (TimeoutException listOffsetsTimedOut) {
                // Checked against the deadline below.
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("Topic " + topic + " does not take writes on every partition after " + TOPIC_READY_TIMEOUT);
            }
            sleep(Duration.ofMillis(20));
        }
    }

    private static <T> T await(KafkaFuture<T> future) {
        try {
            return future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for Kafka", e);
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for Kafka", e);
        }
    }

    /** Broker settings. Anything not covered by a named method goes through {@link #brokerProperty}. */
    public static final class Builder {
        private final Map<String, Object> brokerProperties = new LinkedHashMap<>();
        private int port;
        private Path dataDir;

        private Builder() {
            // One node: internal topics can only have one replica.
            brokerProperties.put("offsets.topic.replication.factor", "1");
            brokerProperties.put("transaction.state.log.replication.factor", "1");
            brokerProperties.put("transaction.state.log.min.isr", "1");
            brokerProperties.put("min.insync.replicas", "1");
            brokerProperties.put("default.replication.factor", "1");
            // 50 partitions each (Kafka's default) make the first group or transaction slow to start, for no gain here.
            brokerProperties.put("offsets.topic.num.partitions", "5");
            brokerProperties.put("transaction.state.log.num.partitions", "5");
            // Kafka waits 3 s for more members before the first rebalance; tests have one member.
            brokerProperties.put("group.initial.rebalance.delay.ms", "0");
            // The test kit turns these on; a real broker has them off.
            brokerProperties.put("unstable.api.versions.enable", "false");
            brokerProperties.put("unstable.feature.versions.enable", "false");
        }

        /** Partitions of auto-created topics ({@code num.partitions}); Kafka's default is 1. */
        public Builder defaultPartitions(int partitions) {
            if (partitions < 1) {
                throw new IllegalArgumentException("partitions must be >= 1, was " + partitions);
            }
            return brokerProperty("num.partitions", Integer.toString(partitions));
        }

        /**
         * Longest transaction timeout a producer may ask for ({@code transaction.max.timeout.ms}).
         * Kafka's default is 15 minutes; Flink's exactly-once sink must stay below it, so keep
         * the default unless production brokers are configured otherwise.
         */
        public Builder transactionMaxTimeout(Duration timeout) {
            return brokerProperty("transaction.max.timeout.ms", Long.toString(timeout.toMillis()));
        }

        /** Whether producing to an unknown topic creates it ({@code auto.create.topics.enable}, default true). */
        public Builder autoCreateTopics(boolean enabled) {
            return brokerProperty("auto.create.topics.enable", Boolean.toString(enabled));
        }

        /**
         * Also listen on {@code localhost:port} and advertise that address, for clients
         * configured with a fixed address. 0 (the default) uses only a free ephemeral port.
         */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0..65535, was " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * Keeps the broker's data in this directory, which must be empty or absent, and leaves
         * it there after close for inspection. Storage is formatted at every start with a fresh
         * cluster id, so a broker cannot be restarted on old data: use
         * {@code scripts/kafka-start.sh} for a broker that keeps topics across restarts.
         */
        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        /** Any broker setting, e.g. {@code log.retention.ms}; overrides the single-node defaults above. */
        public Builder brokerProperty(String key, Object value) {
            brokerProperties.put(key, value);
            return this;
        }

        public Builder brokerProperties(Map<String, ?> properties) {
            brokerProperties.putAll(properties);
            return this;
        }

        public EmbeddedKafka start() {
            if (port > 0) {
                requirePortFree(port);
            }
            long startNanos = System.nanoTime();
            KafkaClusterTestKit cluster = null;
            try {
                boolean temporary = dataDir == null;
                Path baseDir = temporary ? Files.createTempDirectory("flywheel-kafka-") : prepareDataDir(dataDir);
                TestKitNodes nodes = new TestKitNodes.Builder(productionBootstrapMetadata())
                        .setCombined(true)
                        .setNumBrokerNodes(1)
                        .setNumControllerNodes(1)
                        .setBaseDirectory(baseDir)
                        .build();
                KafkaClusterTestKit.Builder kit = new KafkaClusterTestKit.Builder(nodes).setDeleteOnClose(temporary);
                Map<String, Object> properties = new HashMap<>(brokerProperties);
                if (port > 0) {
                    properties.putAll(fixedPortListeners(nodes, port));
                }
                properties.forEach(kit::setConfigProp);
                cluster = kit.build();
                cluster.format();
                cluster.startup();
                cluster.waitForReadyBrokers();
                String bootstrap = port > 0 ? "localhost:" + port : cluster.bootstrapServers();
                return new EmbeddedKafka(cluster, bootstrap, Duration.ofNanos(System.nanoTime() - startNanos));
            } catch (Exception e) {
                if (cluster != null) {
                    try {
                        cluster.close();
                    } catch (Exception closeFailure) {
                        e.addSuppressed(closeFailure);
                    }
                }
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                throw new IllegalStateException("Kafka broker failed to start: " + e.getMessage(), e);
            }
        }

        /**
         * The test kit's own listeners bind ephemeral ports; an extra listener binds the fixed
         * port, and clients that bootstrap through it are told to keep using it.
         */
        private static Map<String, Object> fixedPortListeners(TestKitNodes nodes, int port) {
            String broker = nodes.brokerListenerName().value();
            String controller = nodes.controllerListenerName().value();
            return Map.of(
                    "listeners", "%s://localhost:0,%s://localhost:0,%s://localhost:%d"
                            .formatted(broker, controller, CLIENT_LISTENER, port),
                    "listener.security.protocol.map", "%s:PLAINTEXT,%s:PLAINTEXT,%s:PLAINTEXT"
                            .formatted(broker, controller, CLIENT_LISTENER));
        }

        /** Racy, but turns the common case (a broker already running) into one clear line instead of a stack of bind errors. */
        private static void requirePortFree(int port) {
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            } catch (IOException e) {
                throw new IllegalStateException("Port " + port + " on localhost is already in use");
            }
        }

        private static Path prepareDataDir(Path dir) throws IOException {
            Files.createDirectories(dir);
            try (Stream<Path> entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalArgumentException("Data directory " + dir + " is not empty; the in-process"
                            + " broker formats new storage at every start");
                }
            }
            return dir.toAbsolutePath();
        }

        /**
         * The test kit bootstraps at the latest <em>testing</em> metadata version with unreleased
         * features; pin the production level so behaviour matches a released 4.1 broker.
         */
        private static BootstrapMetadata productionBootstrapMetadata() {
            MetadataVersion version = MetadataVersion.latestProduction();
            Map<String, Short> features = new HashMap<>();
            for (Feature feature : Feature.PRODUCTION_FEATURES) {
                features.put(feature.featureName(), feature.defaultLevel(version));
            }
            return BootstrapMetadata.fromVersions(version, features, "flywheel-embedded");
        }
    }
}
