package dev.flywheel.local;

import dev.flywheel.embedded.EmbeddedKafka;
import dev.flywheel.events.Topics;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The embedded stack in one JVM: a real Kafka broker (KRaft) and a Flink MiniCluster with its web UI.
 * Jobs are submitted to the MiniCluster over its REST endpoint, exactly as to a remote cluster, so
 * several jobs can share it.
 */
final class LocalStack implements AutoCloseable {
    private final EmbeddedKafka kafka;
    private final MiniCluster flink;
    private final URI flinkRest;

    private LocalStack(EmbeddedKafka kafka, MiniCluster flink, URI flinkRest) {
        this.kafka = kafka;
        this.flink = flink;
        this.flinkRest = flinkRest;
    }

    static LocalStack start(int uiPort, int slots, int partitions) throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start();
        try {
            kafka.createTopic(Topics.CLICKSTREAM, partitions);
            kafka.createTopic(Topics.CLICKSTREAM_DLQ, partitions);
            kafka.createTopic(Topics.CLICKSTREAM_LATE, partitions);
            // One record per minute; compaction keeps the latest revision of each minute.
            kafka.createTopic(Topics.ANALYTICS, 1, Map.of("cleanup.policy", "compact"));

            Configuration conf = new Configuration();
            conf.set(RestOptions.BIND_PORT, uiPort + "-" + (uiPort + 20));
            conf.set(TaskManagerOptions.NUM_TASK_SLOTS, slots);
            conf.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofSeconds(1));
            MiniCluster flink = new MiniCluster(new MiniClusterConfiguration.Builder()
                    .setConfiguration(conf)
                    .setNumTaskManagers(1)
                    .setNumSlotsPerTaskManager(slots)
                    .build());
            flink.start();
            return new LocalStack(kafka, flink, flink.getRestAddress().get(30, TimeUnit.SECONDS));
        } catch (Exception e) {
            kafka.close();
            throw e;
        }
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

    /** An environment whose jobs run on this stack's MiniCluster; the classes are already on its classpath. */
    StreamExecutionEnvironment flinkEnvironment() {
        return StreamExecutionEnvironment.createRemoteEnvironment(flinkRest.getHost(), flinkRest.getPort());
    }

    JobClient submit(StreamExecutionEnvironment env, String jobName) throws Exception {
        return env.executeAsync(jobName);
    }

    @Override
    public void close() {
        try {
            flink.closeAsync().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("flink mini cluster did not stop cleanly: " + e.getMessage());
        } finally {
            kafka.close();
        }
    }
}
