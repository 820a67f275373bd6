package dev.flywheel.local;

import dev.flywheel.events.DeadLetter;
import dev.flywheel.events.DeadLetterCodec;
import dev.flywheel.events.Topics;
import dev.flywheel.jobs.analytics.MinuteAnalytics;
import dev.flywheel.jobs.analytics.MinuteAnalyticsCodec;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Follows the analytics and dead-letter topics the way a user's own consumer would. Both jobs read
 * the clickstream and both dead-letter what they can't parse, so each bad record arrives twice;
 * dead letters are counted once per source record (partition and offset).
 */
final class AnalyticsTail implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final DeadLetterCodec deadLetterCodec = new DeadLetterCodec();
    private final Set<Long> deadLetterSources = new HashSet<>();
    private MinuteAnalytics latest;
    private long minutes;
    private long deadLetterRecords;

    private final String analyticsTopic;

    AnalyticsTail(String bootstrap) {
        this(bootstrap, LocalTopics.defaults());
    }

    AnalyticsTail(String bootstrap, LocalTopics topics) {
        this.analyticsTopic = topics.analytics();
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumer = new KafkaConsumer<>(props);
        List<TopicPartition> partitions = consumer.partitionsFor(topics.analytics()).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).collect(java.util.stream.Collectors.toList());
        consumer.partitionsFor(topics.deadLetters())
                .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    void poll() {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(50))) {
            if (record.topic().equals(analyticsTopic)) {
                MinuteAnalytics minute = MinuteAnalyticsCodec.decode(record.value());
                if (latest == null || minute.windowStart() >= latest.windowStart()) {
                    latest = minute;
                }
                minutes++;
            } else {
                deadLetterRecords++;
                DeadLetter letter = deadLetterCodec.decode(record.value());
                deadLetterSources.add(((long) letter.sourcePartition() << 48) | letter.sourceOffset());
            }
        }
    }

    MinuteAnalytics latestMinute() {
        return latest;
    }

    long minutesPublished() {
        return minutes;
    }

    /** Dead-letter records read, each job's counted. */
    long deadLetterRecords() {
        return deadLetterRecords;
    }

    /** Distinct clickstream records dead-lettered. */
    long deadLetters() {
        return deadLetterSources.size();
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
