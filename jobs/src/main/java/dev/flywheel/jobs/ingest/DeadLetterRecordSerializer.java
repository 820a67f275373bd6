package dev.flywheel.jobs.ingest;

import dev.flywheel.events.DeadLetter;
import dev.flywheel.events.DeadLetterCodec;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Writes dead letters as JSON, keyed like the record they came from so related failures stay together. */
public final class DeadLetterRecordSerializer implements KafkaRecordSerializationSchema<DeadLetter> {
    private static final long serialVersionUID = 1L;

    private final String topic;
    private transient DeadLetterCodec codec;

    public DeadLetterRecordSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(DeadLetter letter, KafkaSinkContext context, Long timestamp) {
        if (codec == null) {
            codec = new DeadLetterCodec();
        }
        // The stream timestamp of a dead letter is meaningless (it has no event time); keep the source record's.
        Long sourceTime = letter.sourceTimestamp() >= 0 ? letter.sourceTimestamp() : null;
        return new ProducerRecord<>(topic, null, sourceTime, letter.key(), codec.encode(letter));
    }
}
