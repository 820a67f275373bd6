package dev.flywheel.jobs.analytics;

import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Keys each record by its minute, so a compacted topic keeps the latest figure per minute. */
final class MinuteAnalyticsRecordSerializer implements KafkaRecordSerializationSchema<MinuteAnalytics> {
    private static final long serialVersionUID = 1L;

    private final String topic;

    MinuteAnalyticsRecordSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(MinuteAnalytics a, KafkaSinkContext context, Long timestamp) {
        byte[] key = Long.toString(a.windowStart()).getBytes(StandardCharsets.UTF_8);
        // No explicit record timestamp: the broker's clock stamps it. Stamping the minute instead would
        // let retention delete a replay's output of old data the moment it is written.
        return new ProducerRecord<>(topic, null, null, key, MinuteAnalyticsCodec.encode(a));
    }
}
