package dev.flywheel.jobs.features;

import dev.flywheel.features.FeatureVector;
import dev.flywheel.features.FeatureVectorCodec;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Writes vectors as {@link FeatureVectorCodec} binary records keyed by user id, like the clickstream. */
public final class FeatureVectorRecordSerializer implements KafkaRecordSerializationSchema<FeatureVector> {
    private static final long serialVersionUID = 1L;

    private final String topic;
    private transient FeatureVectorCodec codec;

    public FeatureVectorRecordSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(FeatureVector vector, KafkaSinkContext context, Long timestamp) {
        if (codec == null) {
            codec = new FeatureVectorCodec();
        }
        // The producer's clock stamps the record, not event time: see EventRecordSerializer.
        return new ProducerRecord<>(topic, null, null, vector.userId().getBytes(StandardCharsets.UTF_8),
                codec.encode(vector));
    }
}
