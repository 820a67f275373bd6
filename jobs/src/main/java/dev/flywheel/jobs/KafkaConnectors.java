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
        return KafkaSink.<T>builder()
                .setBootstrapServers(options.bootstrapServers())
                .setRecordSerializer(serializer)
                .setDeliveryGuarantee(options.delivery())
                .setTransactionalIdPrefix(jobName + "-" + name)
                .setProperty("transaction.timeout.ms", Long.toString(options.transactionTimeout().toMillis()))
                .setProperty("enable.idempotence", Boolean.toString(options.delivery() != DeliveryGuarantee.NONE))
                .setProperty("linger.ms", "5")
                .build();
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
