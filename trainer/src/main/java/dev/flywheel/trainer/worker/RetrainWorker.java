package dev.flywheel.trainer.worker;

import dev.flywheel.retrain.RetrainRequest;
import dev.flywheel.retrain.RetrainRequestJson;
import dev.flywheel.trainer.TrainerMetrics;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.pulsar.client.api.DeadLetterPolicy;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.apache.pulsar.client.api.SubscriptionType;
import org.apache.pulsar.client.impl.MultiplierRedeliveryBackoff;

/**
 * A trainer worker: takes retrain requests from a Pulsar topic, one at a time, and hands each to a
 * {@link RetrainHandler} ({@link ChallengerTraining} in production).
 *
 * <ul>
 *   <li><b>Shared subscription</b>, so any number of workers split the requests; a receiver queue
 *       of 0, so a worker holds only the request it is working on and an idle worker is never
 *       left waiting while a busy one sits on a prefetched request. (A zero queue cannot take
 *       batched messages: producers of requests must not batch; the Flink sink does not.)</li>
 *   <li><b>Acknowledged when done</b>: after the handler returns (registered, refused by the gate
 *       on purpose, or a duplicate), never before.</li>
 *   <li><b>Negative acknowledgement on failure</b>, redelivered after a backoff that doubles from
 *       {@code minBackoff} to {@code maxBackoff}; after {@code maxRedeliveries} redeliveries the
 *       last failure moves the request to the dead-letter topic (Pulsar's {@link DeadLetterPolicy}):
 *       {@code maxRedeliveries + 1} attempts in all. The dead-letter topic gets a subscription
 *       when it is created, so what lands there stays until someone reads it.</li>
 *   <li><b>Closed or killed mid-request</b>: nothing is acknowledged, and Pulsar gives the request
 *       to another worker when this one's connection goes. {@link #close()} interrupts the
 *       handler, which then registers nothing.</li>
 * </ul>
 *
 * <p>There is no acknowledgement timeout: a training run takes minutes, and a timeout shorter than
 * the longest run would hand a healthy worker's request to a second one. A worker that hangs
 * without dying keeps its request until it is restarted.
 */
public final class RetrainWorker implements AutoCloseable {

    /**
     * @param maxRedeliveries redeliveries after the first attempt; the last failure dead-letters
     * @param deadLetterTopic null for Pulsar's default, {@code <topic>-<subscription>-DLQ}
     */
    public record Settings(String pulsarUrl, String topic, String subscription, int maxRedeliveries,
                           Duration minBackoff, Duration maxBackoff, String deadLetterTopic, String workerName) {
        public static final String DEFAULT_SUBSCRIPTION = "trainer";
        /** The subscription the dead-letter topic is created with, so its messages are kept. */
        public static final String DEAD_LETTER_SUBSCRIPTION = "dead-letters";

        public Settings {
            Objects.requireNonNull(pulsarUrl, "pulsarUrl");
            Objects.requireNonNull(topic, "topic");
            Objects.requireNonNull(subscription, "subscription");
            if (maxRedeliveries < 1) {
                throw new IllegalArgumentException("max redeliveries must be at least 1, was " + maxRedeliveries);
            }
            if (minBackoff.toMillis() < 1 || maxBackoff.compareTo(minBackoff) < 0) {
                throw new IllegalArgumentException("the backoff must be at least 1 ms and its maximum at least its"
                        + " minimum, was " + minBackoff.toMillis() + " ms to " + maxBackoff.toMillis() + " ms");
            }
        }

        public static Settings defaults(String pulsarUrl) {
            return new Settings(pulsarUrl, RetrainRequest.TOPIC, DEFAULT_SUBSCRIPTION, 5, Duration.ofSeconds(30),
                    Duration.ofMinutes(10), null, null);
        }

        public String effectiveDeadLetterTopic() {
            return deadLetterTopic != null ? deadLetterTopic : topic + "-" + subscription + "-DLQ";
        }
    }

    private final Settings settings;
    private final RetrainHandler handler;
    private final TrainerMetrics metrics;
    private final Consumer<String> log;
    private final PulsarClient client;
    private final org.apache.pulsar.client.api.Consumer<byte[]> consumer;
    private final Thread thread;
    private volatile boolean closing;

    private RetrainWorker(Settings settings, RetrainHandler handler, TrainerMetrics metrics, Consumer<String> log)
            throws PulsarClientException {
        this.settings = settings;
        this.handler = handler;
        this.metrics = metrics;
        this.log = log;
        this.client = PulsarClient.builder().serviceUrl(settings.pulsarUrl()).build();
        try {
            var builder = client.newConsumer()
                    .topic(settings.topic())
                    .subscriptionName(settings.subscription())
                    .subscriptionType(SubscriptionType.Shared)
                    // Requests sent before the first worker ever subscribed are work too.
                    .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest)
                    .receiverQueueSize(0)
                    .negativeAckRedeliveryBackoff(MultiplierRedeliveryBackoff.builder()
                            .minDelayMs(settings.minBackoff().toMillis())
                            .maxDelayMs(settings.maxBackoff().toMillis())
                            .multiplier(2)
                            .build())
                    .deadLetterPolicy(DeadLetterPolicy.builder()
                            .maxRedeliverCount(settings.maxRedeliveries())
                            .deadLetterTopic(settings.effectiveDeadLetterTopic())
                            .initialSubscriptionName(Settings.DEAD_LETTER_SUBSCRIPTION)
                            .build());
            if (settings.workerName() != null) {
                builder.consumerName(settings.workerName());
            }
            this.consumer = builder.subscribe();
        } catch (PulsarClientException e) {
            client.close();
            throw e;
        }
        this.thread = new Thread(this::run, "retrain-worker" + (settings.workerName() == null ? "" : "-" + settings.workerName()));
    }

    /** Subscribes and starts taking requests on a thread of its own. */
    public static RetrainWorker start(Settings settings, RetrainHandler handler, TrainerMetrics metrics,
            Consumer<String> log) throws PulsarClientException {
        RetrainWorker worker = new RetrainWorker(settings, handler, metrics, log);
        worker.thread.start();
        log.accept(String.format("worker%s subscribed to %s as %s (shared); %d redeliveries with backoff %d ms to %d ms,"
                        + " then %s", settings.workerName() == null ? "" : " " + settings.workerName(), settings.topic(),
                settings.subscription(), settings.maxRedeliveries(), settings.minBackoff().toMillis(),
                settings.maxBackoff().toMillis(), settings.effectiveDeadLetterTopic()));
        return worker;
    }

    public Settings settings() {
        return settings;
    }

    public boolean isRunning() {
        return thread.isAlive();
    }

    /** Blocks until the worker stops: closed, or its consumer failed for good. */
    public void awaitTermination() throws InterruptedException {
        thread.join();
    }

    /** Whether {@link #close()} was called (as opposed to the worker stopping by itself). */
    public boolean wasClosed() {
        return closing;
    }

    private void run() {
        while (!closing) {
            Message<byte[]> message;
            try {
                // Blocking: a zero-queue consumer cannot receive with a timeout. close() interrupts it.
                message = consumer.receive();
            } catch (PulsarClientException e) {
                if (!closing) {
                    log.accept("worker: receiving failed, stopping: " + e.getMessage());
                }
                return;
            }
            if (message != null) {
                process(message);
            }
        }
    }

    private void process(Message<byte[]> message) {
        metrics.retrainReceived();
        int attempt = message.getRedeliveryCount() + 1;
        int attempts = settings.maxRedeliveries() + 1;
        String key = message.getProperty("idempotency_key");
        try {
            RetrainRequest request = RetrainRequestJson.decode(message.getValue());
            key = request.idempotencyKey();
            log.accept(String.format("%s: attempt %d of %d: %s of %s, window %d..%d, evidence %s", key, attempt, attempts,
                    request.reason(), request.model(), request.windowStart(), request.windowEnd(), request.evidence()));
            RetrainOutcome outcome = handler.handle(request);
            if (closing) {
                return;
            }
            consumer.acknowledge(message);
            metrics.retrainOutcome(outcome.kind());
            log.accept(String.format("%s: %s: %s", key, outcome.kind().name().toLowerCase(java.util.Locale.ROOT),
                    outcome.detail()));
        } catch (Exception | LinkageError e) {
            if (closing) {
                // Closed mid-request: not acknowledged, so Pulsar hands it to another worker.
                log.accept(String.format("%s: abandoned by a closing worker (%s)", key, oneLine(e)));
                return;
            }
            boolean last = message.getRedeliveryCount() >= settings.maxRedeliveries();
            metrics.retrainFailed(last);
            log.accept(String.format("%s: attempt %d of %d failed: %s; %s", key, attempt, attempts, oneLine(e),
                    last ? "dead-lettered to " + settings.effectiveDeadLetterTopic() : "retried after a backoff"));
            consumer.negativeAcknowledge(message);
        }
    }

    /**
     * Stops taking requests and closes the connection at once. A request in progress is not
     * acknowledged (its handler is interrupted and registers nothing), so Pulsar redelivers it to
     * another worker of the subscription.
     */
    @Override
    public synchronized void close() {
        if (closing) {
            return;
        }
        closing = true;
        thread.interrupt();
        try {
            client.close();
        } catch (PulsarClientException e) {
            log.accept("worker: closing the Pulsar client: " + e.getMessage());
        }
        try {
            thread.join(TimeUnit.MINUTES.toMillis(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String oneLine(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getMessage() == null) {
            cause = cause.getCause();
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return message.replace('\n', ' ');
    }
}
