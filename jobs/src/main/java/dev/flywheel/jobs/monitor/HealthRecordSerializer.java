package dev.flywheel.jobs.monitor;

import dev.flywheel.health.ModelHealthJson;
import dev.flywheel.health.ModelHealthReport;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Writes reports as {@link ModelHealthJson} keyed by model name, so one model's reports stay in order. */
public final class HealthRecordSerializer implements KafkaRecordSerializationSchema<ModelHealthReport> {
    private static final long serialVersionUID = 1L;

    private final String topic;

    public HealthRecordSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(ModelHealthReport report, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(topic, null, null, report.model().getBytes(StandardCharsets.UTF_8),
                ModelHealthJson.encode(report));
    }
}
