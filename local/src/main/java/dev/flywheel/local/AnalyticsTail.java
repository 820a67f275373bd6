package dev.flywheel.local;

import dev.flywheel.events.Topics;
import dev.flywheel.jobs.analytics.MinuteAnalytics;
import dev.flywheel.jobs.analytics.MinuteAnalyticsCodec;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Follows the analytics and dead-letter topics the way a user's own consumer would. */
final class AnalyticsTail implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private MinuteAnalytics latest;
    private long minutes;
    private long deadLetters;

    AnalyticsTail(String bootstrap) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumer = new KafkaConsumer<>(props);
        List<TopicPartition> partitions = consumer.partitionsFor(Topics.ANALYTICS).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).collect(java.util.stream.Collectors.toList());
        consumer.partitionsFor(Topics.CLICKSTREAM_DLQ)
                .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    void poll() {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(50))) {
            if (record.topic().equals(Topics.ANALYTICS)) {
                MinuteAnalytics minute = MinuteAnalyticsCodec.decode(record.value());
                if (latest == null || minute.windowStart() >= latest.windowStart()) {
                    latest = minute;
                }
                minutes++;
            } else {
                deadLetters++;
            }
        }
    }

    MinuteAnalytics latestMinute() {
        return latest;
    }

    long minutesPublished() {
        return minutes;
    }

    long deadLetters() {
        return deadLetters;
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
