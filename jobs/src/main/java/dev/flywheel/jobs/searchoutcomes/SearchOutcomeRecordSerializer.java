package dev.flywheel.jobs.searchoutcomes;

import dev.flywheel.outcomes.SearchOutcome;
import dev.flywheel.outcomes.SearchOutcomeJson;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Writes search outcomes as {@link SearchOutcomeJson} keyed by user id. */
public final class SearchOutcomeRecordSerializer implements KafkaRecordSerializationSchema<SearchOutcome> {
    private static final long serialVersionUID = 1L;

    private final String topic;
    private transient SearchOutcomeJson json;

    public SearchOutcomeRecordSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(SearchOutcome outcome, KafkaSinkContext context, Long timestamp) {
        if (json == null) {
            json = new SearchOutcomeJson();
        }
        return new ProducerRecord<>(topic, null, null, outcome.userId().getBytes(StandardCharsets.UTF_8),
                json.encode(outcome));
    }
}
