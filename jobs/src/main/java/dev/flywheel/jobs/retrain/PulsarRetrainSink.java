package dev.flywheel.jobs.retrain;

import dev.flywheel.retrain.RetrainRequest;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Sends retrain requests to a Pulsar topic ({@link RetrainRequest#TOPIC} by default), where the
 * trainer workers take them as a work queue. There is no Flink 2.x Pulsar connector; this is a
 * Sink V2 over {@code pulsar-client}.
 *
 * <pre>{@code
 * requests.sinkTo(PulsarRetrainSink.to("pulsar://pulsar:6650")).uid(...).name("Pulsar: retrain-requests");
 * }</pre>
 *
 * <p>Each message is a request's JSON ({@code RetrainRequestJson}), keyed by the model, with the
 * idempotency key and the reason as message properties and the request time as event time.
 *
 * <p><b>At least once.</b> Every writer flushes on each checkpoint and waits until Pulsar has
 * persisted every request it was given, so a checkpoint never completes with a request still in
 * flight; a send Pulsar refuses or times out fails the job, which then restarts from the last
 * checkpoint and sends again. A restart can therefore send a request twice: the trainer worker
 * trains each idempotency key once.
 */
public final class PulsarRetrainSink implements Sink<RetrainRequest> {
    private static final long serialVersionUID = 1L;

    /** Pulsar's own default: a request the broker has not persisted in this time fails the job. */
    public static final Duration DEFAULT_SEND_TIMEOUT = Duration.ofSeconds(30);

    private final String serviceUrl;
    private final String topic;
    private final long sendTimeoutMs;

    private PulsarRetrainSink(String serviceUrl, String topic, long sendTimeoutMs) {
        this.serviceUrl = Objects.requireNonNull(serviceUrl, "serviceUrl");
        this.topic = Objects.requireNonNull(topic, "topic");
        if (!(serviceUrl.startsWith("pulsar://") || serviceUrl.startsWith("pulsar+ssl://"))) {
            throw new IllegalArgumentException("a Pulsar service URL starts with pulsar:// or pulsar+ssl://, was " + serviceUrl);
        }
        if (sendTimeoutMs <= 0) {
            throw new IllegalArgumentException("the send timeout must be positive, was " + sendTimeoutMs + " ms");
        }
        this.sendTimeoutMs = sendTimeoutMs;
    }

    /** A sink to {@link RetrainRequest#TOPIC} on the broker at {@code serviceUrl}, e.g. {@code pulsar://localhost:6650}. */
    public static PulsarRetrainSink to(String serviceUrl) {
        return new PulsarRetrainSink(serviceUrl, RetrainRequest.TOPIC, DEFAULT_SEND_TIMEOUT.toMillis());
    }

    public PulsarRetrainSink withTopic(String newTopic) {
        return new PulsarRetrainSink(serviceUrl, newTopic, sendTimeoutMs);
    }

    /** How long Pulsar may take to persist one request before the send fails, and with it the job. */
    public PulsarRetrainSink withSendTimeout(Duration timeout) {
        return new PulsarRetrainSink(serviceUrl, topic, timeout.toMillis());
    }

    public String serviceUrl() {
        return serviceUrl;
    }

    public String topic() {
        return topic;
    }

    public Duration sendTimeout() {
        return Duration.ofMillis(sendTimeoutMs);
    }

    @Override
    public SinkWriter<RetrainRequest> createWriter(WriterInitContext context) throws IOException {
        return new PulsarRetrainWriter(serviceUrl, topic, Duration.ofMillis(sendTimeoutMs), context.metricGroup());
    }
}
