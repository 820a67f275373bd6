package dev.flywheel.jobs;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** The settings every Flywheel job runs with, whoever launches it. */
public final class FlinkSettings {
    private FlinkSettings() {
    }

    public static void apply(StreamExecutionEnvironment env, JobOptions options) {
        Configuration settings = new Configuration();
        // A missing uid or a type that would fall back to Kryo fails at build time, not in production.
        settings.set(PipelineOptions.AUTO_GENERATE_UIDS, false);
        settings.set(PipelineOptions.GENERIC_TYPES, false);
        env.configure(settings);
        // State is always checkpointed exactly-once; a sink's delivery guarantee only decides whether
        // its output waits for checkpoints (Kafka transactions) before it becomes visible.
        env.enableCheckpointing(options.checkpointInterval().toMillis(), CheckpointingMode.EXACTLY_ONCE);
        env.getCheckpointConfig().setCheckpointTimeout(options.checkpointTimeout().toMillis());
        if (options.parallelism() > 0) {
            env.setParallelism(options.parallelism());
        }
    }
}
