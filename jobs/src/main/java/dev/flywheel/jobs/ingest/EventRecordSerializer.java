package dev.flywheel.jobs.ingest;

import dev.flywheel.events.EventCodec;
import dev.flywheel.events.ShopperEvent;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Writes events as contract JSON keyed by user id, the same shape producers send. */
public final class EventRecordSerializer implements KafkaRecordSerializationSchema<ShopperEvent> {
    private static final long serialVersionUID = 1L;

    private final String topic;
    private transient EventCodec codec;

    public EventRecordSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(ShopperEvent event, KafkaSinkContext context, Long timestamp) {
        if (codec == null) {
            codec = new EventCodec();
        }
        // Event time stays in the JSON; as the record timestamp it would let retention delete replayed
        // old events at once. The producer's clock stamps the record.
        return new ProducerRecord<>(topic, null, null, event.userId().getBytes(StandardCharsets.UTF_8),
                codec.encode(event));
    }
}
