package dev.flywheel.jobs.scoring;

import dev.flywheel.decisions.Decision;
import dev.flywheel.decisions.DecisionJson;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Writes decisions as {@link DecisionJson} keyed by user id, like the clickstream. */
public final class DecisionRecordSerializer implements KafkaRecordSerializationSchema<Decision> {
    private static final long serialVersionUID = 1L;

    private final String topic;
    private transient DecisionJson json;

    public DecisionRecordSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(Decision decision, KafkaSinkContext context, Long timestamp) {
        if (json == null) {
            json = new DecisionJson();
        }
        // The producer's clock stamps the record: event-to-decision latency reads it (see EventRecordSerializer).
        return new ProducerRecord<>(topic, null, null, decision.userId().getBytes(StandardCharsets.UTF_8),
                json.encode(decision));
    }
}
