package dev.flywheel.local;

import dev.flywheel.embedded.EmbeddedKafka;
import dev.flywheel.events.Topics;
import dev.flywheel.registry.RegistryService;
import dev.flywheel.registry.store.FileSystemModelStore;
import dev.flywheel.registry.validation.ModelValidator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.prometheus.PrometheusReporterFactory;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * The embedded stack in one JVM: a real Kafka broker (KRaft), a Flink MiniCluster with its web UI,
 * and the model registry service announcing its changes on {@code model-updates}. Jobs are
 * submitted to the MiniCluster over its REST endpoint, exactly as to a remote cluster, so several
 * jobs can share it.
 */
final class LocalStack implements AutoCloseable {
    /** Flink's Prometheus reporter port, as on a cluster's JobManager and TaskManagers. */
    static final int FLINK_METRICS_PORT = 9249;
    /** Null when the run uses a Kafka of the user's own. */
    private final EmbeddedKafka kafka;
    private final String kafkaBootstrap;
    private final LocalTopics topics;
    private final MiniCluster flink;
    private final URI flinkRest;
    private final RegistryService registry;
    private final Path checkpoints;
    private final int flinkMetricsPort;

    private LocalStack(EmbeddedKafka kafka, String kafkaBootstrap, LocalTopics topics, MiniCluster flink, URI flinkRest,
            RegistryService registry, Path checkpoints, int flinkMetricsPort) {
        this.kafka = kafka;
        this.kafkaBootstrap = kafkaBootstrap;
        this.topics = topics;
        this.flink = flink;
        this.flinkRest = flinkRest;
        this.registry = registry;
        this.checkpoints = checkpoints;
        this.flinkMetricsPort = flinkMetricsPort;
    }

    /** As below, on an embedded broker with the default topics. */
    static LocalStack start(int uiPort, int slots, int partitions, Path registryStore, int registryPort,
            int metricsPort) throws Exception {
        return start(uiPort, slots, partitions, registryStore, registryPort, metricsPort, null, LocalTopics.defaults());
    }

    /** As below, with Flink's Prometheus reporter on 9249 or the next free of the 20 after it. */
    static LocalStack start(int uiPort, int slots, int partitions, Path registryStore, int registryPort)
            throws Exception {
        return start(uiPort, slots, partitions, registryStore, registryPort, FLINK_METRICS_PORT);
    }

    /**
     * @param uiPort        the Flink web UI's port, or the next free of the 20 after it; 0: any
     * @param registryStore an empty directory for the registry's versions
     * @param registryPort  the registry's port, or any free one when taken; 0: any
     * @param metricsPort   the port of Flink's Prometheus reporter, or the next free of the 20 after it; 0: any
     * @param userKafka     bootstrap servers of the user's own Kafka, or null for an embedded broker
     * @param topics        the topics' names; on the user's Kafka, those missing are created
     */
    static LocalStack start(int uiPort, int slots, int partitions, Path registryStore, int registryPort,
            int metricsPort, String userKafka, LocalTopics topics) throws Exception {
        EmbeddedKafka kafka = userKafka == null ? EmbeddedKafka.start() : null;
        String bootstrap = userKafka == null ? kafka.bootstrapServers() : userKafka;
        MiniCluster flink = null;
        Path checkpoints = Files.createTempDirectory("flywheel-checkpoints");
        try {
            if (kafka != null) {
                createTopics(kafka, partitions, topics);
            } else {
                createMissingTopics(userKafka, partitions, topics);
            }

            Configuration conf = new Configuration();
            conf.set(RestOptions.BIND_PORT, uiPort == 0 ? "0" : uiPort + "-" + (uiPort + 20));
            conf.set(TaskManagerOptions.NUM_TASK_SLOTS, slots);
            conf.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofSeconds(1));
            // The jobs' own metrics for Prometheus, as on a cluster (docs/metrics.md). The reporter
            // takes a port, not a range we could read back, so a free one is found first; the
            // MiniCluster's JobManager and TaskManager share one metric registry, hence one port.
            int flinkMetricsPort = freePort(metricsPort);
            conf.setString("metrics.reporter.prom.factory.class", PrometheusReporterFactory.class.getName());
            conf.setString("metrics.reporter.prom.port", Integer.toString(flinkMetricsPort));
            // Model and job names keep their dashes in labels (purchase-propensity, not purchase_propensity).
            conf.setString("metrics.reporter.prom.filterLabelValueCharacters", "false");
            // The scoring job's state (users, items, decisions awaiting their outcome) soon outgrows
            // the 5 MB the default in-JobManager checkpoint storage allows; files have no such limit.
            conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
            conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
            flink = new MiniCluster(new MiniClusterConfiguration.Builder()
                    .setConfiguration(conf)
                    .setNumTaskManagers(1)
                    .setNumSlotsPerTaskManager(slots)
                    .build());
            flink.start();
            URI rest = flink.getRestAddress().get(30, TimeUnit.SECONDS);
            return new LocalStack(kafka, bootstrap, topics, flink, rest, startRegistry(registryStore, registryPort, bootstrap),
                    checkpoints, flinkMetricsPort);
        } catch (Exception e) {
            if (flink != null) {
                flink.closeAsync().get(30, TimeUnit.SECONDS);
            }
            if (kafka != null) {
                kafka.close();
            }
            deleteRecursively(checkpoints);
            throw e;
        }
    }

    /** On the embedded broker: each topic created and writable before anything sends to it. */
    private static void createTopics(EmbeddedKafka kafka, int partitions, LocalTopics topics) {
        for (NewTopic topic : wanted(partitions, topics)) {
            kafka.createTopic(topic.name(), topic.numPartitions(), topic.configs() == null ? Map.of() : topic.configs());
        }
    }

    /**
     * On the user's Kafka: creates the topics that do not exist yet, as the jobs expect them, and
     * waits until every partition of each has a leader; existing ones are used as they are (their
     * partitions and settings are the owner's).
     */
    private static void createMissingTopics(String bootstrap, int partitions, LocalTopics topics) throws Exception {
        List<NewTopic> wanted = wanted(partitions, topics);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000))) {
            java.util.Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
            List<NewTopic> missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(60, TimeUnit.SECONDS);
            }
            List<String> names = wanted.stream().map(NewTopic::name).toList();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!admin.describeTopics(names).allTopicNames().get(60, TimeUnit.SECONDS).values().stream()
                    .allMatch(d -> d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()))) {
                if (System.nanoTime() > deadline) {
                    throw new java.util.concurrent.TimeoutException("partitions without a leader after 60 s");
                }
                Thread.sleep(100);
            }
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot create the run's topics on Kafka " + bootstrap + ": "
                    + (e.getCause() == null ? e : e.getCause()).getMessage(), e);
        }
    }

    private static List<NewTopic> wanted(int partitions, LocalTopics topics) {
        return List.of(
                topic(topics.clickstream(), partitions),
                topic(topics.deadLetters(), partitions),
                topic(topics.late(), partitions),
                // One record per minute; compaction keeps the latest revision of each minute.
                topic(topics.analytics(), 1).configs(Map.of("cleanup.policy", "compact")),
                topic(topics.decisions(), partitions),
                topic(topics.outcomes(), partitions),
                topic(Topics.MODEL_HEALTH, 1),
                // One record per model, its complete serving configuration; the latest is all that matters.
                topic(Topics.MODEL_UPDATES, 1).configs(Map.of("cleanup.policy", "compact")));
    }

    /** The broker's default replication: one on the embedded broker, the owner's choice on theirs. */
    private static NewTopic topic(String name, int partitions) {
        return new NewTopic(name, java.util.Optional.of(partitions), java.util.Optional.empty());
    }

    /** In local mode: loopback only, the local tokens, versions validated in a child JVM as anywhere. */
    private static RegistryService startRegistry(Path store, int port, String kafkaBootstrap) {
        try {
            return RegistryService.start(registryConfig(store, port, kafkaBootstrap));
        } catch (UncheckedIOException portTaken) {
            if (port == 0) {
                throw portTaken;
            }
            return RegistryService.start(registryConfig(store, 0, kafkaBootstrap));
        }
    }

    private static RegistryService.Config registryConfig(Path store, int port, String kafkaBootstrap) {
        return new RegistryService.Config(FileSystemModelStore.open(store), "127.0.0.1", port, null, kafkaBootstrap,
                null, null, true, ModelValidator.Settings.defaults(), null);
    }

    /**
     * {@code requested} if nothing listens there, else the first free of the 20 after it; 0: any
     * free port. Another process may take it before the caller binds it; the caller says so.
     */
    static int freePort(int requested) throws IOException {
        if (requested == 0) {
            try (ServerSocket socket = new ServerSocket(0)) {
                return socket.getLocalPort();
            }
        }
        for (int port = requested; port <= requested + 20; port++) {
            try (ServerSocket socket = new ServerSocket(port)) {
                return port;
            } catch (IOException taken) {
                // try the next
            }
        }
        throw new IOException("no free port in " + requested + "-" + (requested + 20));
    }

    /** Where Flink's Prometheus reporter serves the jobs' metrics. */
    URI flinkMetrics() {
        return URI.create("http://127.0.0.1:" + flinkMetricsPort + "/metrics");
    }

    String kafkaBootstrap() {
        return kafkaBootstrap;
    }

    LocalTopics topics() {
        return topics;
    }

    /** The embedded broker; null on a Kafka of the user's own. */
    EmbeddedKafka kafka() {
        return kafka;
    }

    URI flinkWebUi() {
        return flinkRest;
    }

    String registryUrl() {
        return registry.url();
    }

    /** An environment whose jobs run on this stack's MiniCluster; the classes are already on its classpath. */
    StreamExecutionEnvironment flinkEnvironment() {
        return StreamExecutionEnvironment.createRemoteEnvironment(flinkRest.getHost(), flinkRest.getPort());
    }

    JobClient submit(StreamExecutionEnvironment env, String jobName) throws Exception {
        return env.executeAsync(jobName);
    }

    /**
     * An environment whose jobs start from {@code savepoint}, as {@code flink run -s} starts them:
     * state the job has no operator for fails the start (no allowNonRestoredState).
     */
    StreamExecutionEnvironment flinkEnvironment(Path savepoint) {
        Configuration restore = new Configuration();
        restore.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint.toUri().toString());
        restore.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, false);
        return StreamExecutionEnvironment.createRemoteEnvironment(flinkRest.getHost(), flinkRest.getPort(), restore);
    }

    @Override
    public void close() {
        try {
            registry.close();
            flink.closeAsync().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("flink mini cluster did not stop cleanly: " + e.getMessage());
        } finally {
            if (kafka != null) {
                kafka.close();
            }
            deleteRecursively(checkpoints);
        }
    }

    static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            System.err.println("could not delete " + root + ": " + e.getMessage());
        }
    }
}
