package dev.flywheel.search;

import dev.flywheel.events.EventCodec;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.events.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes each served result list as a {@code search} event into {@code clickstream}, keyed by user
 * like every other event, so one shopper's search and the clicks on it land in one partition in
 * order. Sending does not wait for the broker: a search answer never waits on logging. A failed send
 * is counted, not retried forever; the count is exposed so a monitor can see the loop losing data.
 */
public final class KafkaSearchLog implements SearchLog, AutoCloseable {
    private final KafkaProducer<byte[], byte[]> producer;
    private final EventCodec codec = new EventCodec();
    private final String topic;
    private final AtomicLong failed = new AtomicLong();

    public KafkaSearchLog(String bootstrapServers) {
        this(bootstrapServers, Topics.CLICKSTREAM);
    }

    public KafkaSearchLog(String bootstrapServers, String topic) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        this.producer = new KafkaProducer<>(props);
        this.topic = topic;
    }

    @Override
    public void log(ShopperEvent.Search event) {
        byte[] key = event.header().userId().getBytes(StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>(topic, key, codec.encode(event)), (metadata, error) -> {
            if (error != null) {
                failed.incrementAndGet();
            }
        });
    }

    public long failedSends() {
        return failed.get();
    }

    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close();
    }
}
