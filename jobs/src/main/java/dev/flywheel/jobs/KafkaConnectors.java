package dev.flywheel.jobs;

import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/** Builds a job's Kafka sources and sinks from its {@link KafkaOptions}, so jobs never build connectors inline. */
public final class KafkaConnectors {
    private final KafkaOptions options;
    private final String jobName;

    public KafkaConnectors(KafkaOptions options, String jobName) {
        this.options = options;
        this.jobName = jobName;
    }

    /** A topic's records, turned into {@code T} inside the source by {@code deserializer}. */
    public <T> KafkaSource<T> source(String topic, KafkaRecordDeserializationSchema<T> deserializer) {
        KafkaSourceBuilder<T> builder = KafkaSource.<T>builder()
                .setBootstrapServers(options.bootstrapServers())
                .setTopics(topic)
                .setGroupId(options.groupId())
                .setStartingOffsets(startingOffsets())
                .setDeserializer(deserializer)
                // Offsets live in Flink checkpoints; committing them too lets lag tools see progress.
                .setProperty("commit.offsets.on.checkpoint", "true")
                .setProperty("partition.discovery.interval.ms", "30000");
        if (options.bounded()) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return builder.build();
    }

    /** A sink with the configured delivery guarantee; {@code name} keeps transactional ids apart per sink. */
    public <T> KafkaSink<T> sink(KafkaRecordSerializationSchema<T> serializer, String name) {
        return sink(serializer, name, options.delivery());
    }

    /** A sink with its own delivery guarantee, whatever the job's default. */
    public <T> KafkaSink<T> sink(KafkaRecordSerializationSchema<T> serializer, String name, DeliveryGuarantee delivery) {
        return KafkaSink.<T>builder()
                .setBootstrapServers(options.bootstrapServers())
                .setRecordSerializer(serializer)
                .setDeliveryGuarantee(delivery)
                .setTransactionalIdPrefix(jobName + "-" + name)
                .setProperty("transaction.timeout.ms", Long.toString(options.transactionTimeout().toMillis()))
                .setProperty("enable.idempotence", Boolean.toString(delivery != DeliveryGuarantee.NONE))
                .setProperty("linger.ms", Long.toString(options.linger().toMillis()))
                .build();
    }

    /**
     * A compacted topic read whole from the beginning at every fresh start (a restored job resumes
     * from its checkpoint): {@code model-updates}. No consumer group offsets are committed; the
     * state it feeds lives in the job.
     */
    public <T> KafkaSource<T> changelog(String topic, KafkaRecordDeserializationSchema<T> deserializer) {
        KafkaSourceBuilder<T> builder = KafkaSource.<T>builder()
                .setBootstrapServers(options.bootstrapServers())
                .setTopics(topic)
                .setGroupId(options.groupId() + "-" + topic)
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setDeserializer(deserializer)
                .setProperty("commit.offsets.on.checkpoint", "false")
                .setProperty("partition.discovery.interval.ms", "30000");
        if (options.bounded()) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return builder.build();
    }

    @SuppressWarnings("deprecation") // the connector's API still takes the client's reset strategy
    private OffsetsInitializer startingOffsets() {
        return switch (options.startingOffsets()) {
            case EARLIEST -> OffsetsInitializer.earliest();
            case LATEST -> OffsetsInitializer.latest();
            case COMMITTED -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
        };
    }
}
