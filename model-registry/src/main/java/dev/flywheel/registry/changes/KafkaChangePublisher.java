package dev.flywheel.registry.changes;

import dev.flywheel.events.Topics;
import dev.flywheel.models.ModelJson;
import dev.flywheel.models.ServingConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Publishes to the compacted {@link Topics#MODEL_UPDATES} topic: key = model name, value = the
 * complete {@link ServingConfig} JSON, so compaction keeps exactly the current state per model and
 * a consumer reading from the beginning needs nothing else.
 *
 * <p>Sends are synchronous and idempotent with {@code acks=all}: the registry answers a change
 * only after the broker has it, and one key always maps to one partition, so configs of a model
 * arrive in the order they were made.
 */
public final class KafkaChangePublisher implements ChangePublisher {
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(15);

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;

    public KafkaChangePublisher(String bootstrapServers, String topic) {
        this.topic = topic;
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.CLIENT_ID_CONFIG, "flywheel-model-registry",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) SEND_TIMEOUT.toMillis(),
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) SEND_TIMEOUT.toMillis() - 1000,
                ProducerConfig.LINGER_MS_CONFIG, 0),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    public KafkaChangePublisher(String bootstrapServers) {
        this(bootstrapServers, Topics.MODEL_UPDATES);
    }

    @Override
    public void publish(ServingConfig config) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic,
                config.model().getBytes(StandardCharsets.UTF_8), ModelJson.encode(config));
        try {
            producer.send(record).get(SEND_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not publish " + config.model() + " to " + topic + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("could not publish " + config.model() + " to " + topic + " within " + SEND_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing " + config.model(), e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
