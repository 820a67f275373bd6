package dev.flywheel.local;

import dev.flywheel.embedded.EmbeddedKafka;
import dev.flywheel.events.Topics;
import dev.flywheel.registry.RegistryService;
import dev.flywheel.registry.store.FileSystemModelStore;
import dev.flywheel.registry.validation.ModelValidator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
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
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The embedded stack in one JVM: a real Kafka broker (KRaft), a Flink MiniCluster with its web UI,
 * and the model registry service announcing its changes on {@code model-updates}. Jobs are
 * submitted to the MiniCluster over its REST endpoint, exactly as to a remote cluster, so several
 * jobs can share it.
 */
final class LocalStack implements AutoCloseable {
    private final EmbeddedKafka kafka;
    private final MiniCluster flink;
    private final URI flinkRest;
    private final RegistryService registry;
    private final Path checkpoints;

    private LocalStack(EmbeddedKafka kafka, MiniCluster flink, URI flinkRest, RegistryService registry,
            Path checkpoints) {
        this.kafka = kafka;
        this.flink = flink;
        this.flinkRest = flinkRest;
        this.registry = registry;
        this.checkpoints = checkpoints;
    }

    /**
     * @param uiPort        the Flink web UI's port, or the next free of the 20 after it; 0: any
     * @param registryStore an empty directory for the registry's versions
     * @param registryPort  the registry's port, or any free one when taken; 0: any
     */
    static LocalStack start(int uiPort, int slots, int partitions, Path registryStore, int registryPort)
            throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start();
        MiniCluster flink = null;
        Path checkpoints = Files.createTempDirectory("flywheel-checkpoints");
        try {
            kafka.createTopic(Topics.CLICKSTREAM, partitions);
            kafka.createTopic(Topics.CLICKSTREAM_DLQ, partitions);
            kafka.createTopic(Topics.CLICKSTREAM_LATE, partitions);
            // One record per minute; compaction keeps the latest revision of each minute.
            kafka.createTopic(Topics.ANALYTICS, 1, Map.of("cleanup.policy", "compact"));
            kafka.createTopic(Topics.DECISIONS, partitions);
            kafka.createTopic(Topics.OUTCOMES, partitions);
            kafka.createTopic(Topics.MODEL_HEALTH, 1);
            // One record per model, its complete serving configuration; the latest is all that matters.
            kafka.createTopic(Topics.MODEL_UPDATES, 1, Map.of("cleanup.policy", "compact"));

            Configuration conf = new Configuration();
            conf.set(RestOptions.BIND_PORT, uiPort == 0 ? "0" : uiPort + "-" + (uiPort + 20));
            conf.set(TaskManagerOptions.NUM_TASK_SLOTS, slots);
            conf.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofSeconds(1));
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
            return new LocalStack(kafka, flink, rest, startRegistry(registryStore, registryPort, kafka.bootstrapServers()),
                    checkpoints);
        } catch (Exception e) {
            if (flink != null) {
                flink.closeAsync().get(30, TimeUnit.SECONDS);
            }
            kafka.close();
            deleteRecursively(checkpoints);
            throw e;
        }
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

    String kafkaBootstrap() {
        return kafka.bootstrapServers();
    }

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
            kafka.close();
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
