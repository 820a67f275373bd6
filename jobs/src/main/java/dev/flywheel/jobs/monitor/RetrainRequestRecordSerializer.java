package dev.flywheel.jobs.monitor;

import dev.flywheel.retrain.RetrainRequest;
import dev.flywheel.retrain.RetrainRequestJson;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Retrain requests as {@link RetrainRequestJson} on a Kafka topic, keyed by their idempotency key:
 * where the monitor sends them when it is given no other sink (retraining works over Pulsar, which
 * acknowledges per request; see docs/monitor.md).
 */
public final class RetrainRequestRecordSerializer implements KafkaRecordSerializationSchema<RetrainRequest> {
    private static final long serialVersionUID = 1L;

    private final String topic;

    public RetrainRequestRecordSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(RetrainRequest request, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(topic, null, null, request.idempotencyKey().getBytes(StandardCharsets.UTF_8),
                RetrainRequestJson.encode(request));
    }
}
