package dev.flywheel.simulator;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Sends records to a Kafka topic, keyed by user. Idempotent with acks from all in-sync replicas, so a
 * retried batch is neither lost nor duplicated; batches linger briefly for throughput. A failed send
 * surfaces on the next {@link #send} or {@link #flush}: the run stops instead of silently losing events.
 *
 * <p>The record timestamp is left to the producer (wall clock): simulated event time can be far in the
 * past, and a broker would expire segments stamped with it at once. Event time travels in the JSON.
 */
public final class KafkaRecordSink implements RecordSink {
    private final Producer<String, byte[]> producer;
    private final String topic;
    private final AtomicReference<Exception> firstFailure = new AtomicReference<>();

    public KafkaRecordSink(String bootstrapServers, String topic) {
        this(producerProperties(bootstrapServers), topic);
    }

    /** @param properties complete producer configuration; start from {@link #producerProperties} */
    public KafkaRecordSink(Properties properties, String topic) {
        this(new KafkaProducer<>(properties, new StringSerializer(), new ByteArraySerializer()), topic);
    }

    KafkaRecordSink(Producer<String, byte[]> producer, String topic) {
        this.producer = producer;
        this.topic = topic;
    }

    public static Properties producerProperties(String bootstrapServers) {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        properties.put(ProducerConfig.LINGER_MS_CONFIG, "10");
        properties.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
        properties.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        properties.put(ProducerConfig.CLIENT_ID_CONFIG, "flywheel-simulator");
        return properties;
    }

    @Override
    public void send(KeyedRecord record) {
        throwIfFailed();
        producer.send(new ProducerRecord<>(topic, record.key(), record.value()), (metadata, exception) -> {
            if (exception != null) {
                firstFailure.compareAndSet(null, exception);
            }
        });
    }

    @Override
    public void flush() {
        producer.flush();
        throwIfFailed();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(30));
    }

    private void throwIfFailed() {
        Exception failure = firstFailure.get();
        if (failure != null) {
            throw new IllegalStateException("sending to Kafka topic " + topic + " failed: " + failure.getMessage(),
                    failure);
        }
    }
}
