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
        // Stamped by the producer's clock, not the source record's time: a dead letter must live a full
        // retention period from its rejection, however old the record was. The source time is in the JSON.
        return new ProducerRecord<>(topic, null, null, letter.key(), codec.encode(letter));
    }
}
