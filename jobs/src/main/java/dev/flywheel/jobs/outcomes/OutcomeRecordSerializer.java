package dev.flywheel.jobs.outcomes;

import dev.flywheel.decisions.DecisionJson;
import dev.flywheel.outcomes.Outcome;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Writes outcomes as {@link DecisionJson} keyed by user id. */
public final class OutcomeRecordSerializer implements KafkaRecordSerializationSchema<Outcome> {
    private static final long serialVersionUID = 1L;

    private final String topic;
    private transient DecisionJson json;

    public OutcomeRecordSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(Outcome outcome, KafkaSinkContext context, Long timestamp) {
        if (json == null) {
            json = new DecisionJson();
        }
        return new ProducerRecord<>(topic, null, null, outcome.decision().userId().getBytes(StandardCharsets.UTF_8),
                json.encode(outcome));
    }
}
