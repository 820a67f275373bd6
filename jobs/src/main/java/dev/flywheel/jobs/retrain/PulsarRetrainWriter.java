package dev.flywheel.jobs.retrain;

import dev.flywheel.retrain.RetrainRequest;
import dev.flywheel.retrain.RetrainRequestJson;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;

/**
 * One subtask's producer. Sends are asynchronous; {@link #flush} (called by Flink before every
 * checkpoint barrier and at the end of input) returns only once every send so far is persisted,
 * and the first failed send fails the next write or flush.
 */
final class PulsarRetrainWriter implements SinkWriter<RetrainRequest> {
    static final String IDEMPOTENCY_KEY_PROPERTY = "idempotency_key";
    static final String REASON_PROPERTY = "reason";

    private final PulsarClient client;
    private final Producer<byte[]> producer;
    private final Set<CompletableFuture<MessageId>> pending = ConcurrentHashMap.newKeySet();
    private final AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    private final Counter sent;
    private final Counter bytesSent;
    private final Counter sendErrors;

    PulsarRetrainWriter(String serviceUrl, String topic, Duration sendTimeout, SinkWriterMetricGroup metrics)
            throws IOException {
        this.sent = metrics.getNumRecordsSendCounter();
        this.bytesSent = metrics.getNumBytesSendCounter();
        this.sendErrors = metrics.getNumRecordsSendErrorsCounter();
        metrics.gauge("pending_retrain_requests", pending::size);
        PulsarClient newClient = null;
        try {
            newClient = PulsarClient.builder().serviceUrl(serviceUrl).build();
            this.producer = newClient.newProducer()
                    .topic(topic)
                    .sendTimeout((int) sendTimeout.toMillis(), TimeUnit.MILLISECONDS)
                    // A few requests an hour: batching buys nothing, and a consumer with a zero
                    // receiver queue (one request at a time per trainer) cannot take batches.
                    .enableBatching(false)
                    .blockIfQueueFull(true)
                    .create();
            this.client = newClient;
        } catch (PulsarClientException e) {
            closeQuietly(newClient, e);
            throw new IOException("cannot create a Pulsar producer for " + topic + " on " + serviceUrl + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public void write(RetrainRequest request, Context context) throws IOException {
        throwFirstFailure();
        byte[] value = RetrainRequestJson.encode(request);
        var message = producer.newMessage()
                .key(request.model())
                .value(value)
                .property(IDEMPOTENCY_KEY_PROPERTY, request.idempotencyKey())
                .property(REASON_PROPERTY, request.reason().name());
        if (request.requestedAt() > 0) {
            message.eventTime(request.requestedAt());
        }
        CompletableFuture<MessageId> send = message.sendAsync();
        pending.add(send);
        send.whenComplete((id, failure) -> {
            if (failure == null) {
                sent.inc();
                bytesSent.inc(value.length);
            } else {
                sendErrors.inc();
                firstFailure.compareAndSet(null, failure);
            }
            pending.remove(send);
        });
    }

    /** Waits until every request written so far is persisted by Pulsar, or one of them failed. */
    @Override
    public void flush(boolean endOfInput) throws IOException, InterruptedException {
        for (CompletableFuture<MessageId> send : List.copyOf(pending)) {
            try {
                send.get();
            } catch (ExecutionException failed) {
                firstFailure.compareAndSet(null, failed.getCause());
            }
        }
        throwFirstFailure();
    }

    @Override
    public void close() throws Exception {
        Exception failure = null;
        try {
            producer.close();
        } catch (PulsarClientException e) {
            failure = e;
        }
        try {
            client.close();
        } catch (PulsarClientException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void throwFirstFailure() throws IOException {
        Throwable failure = firstFailure.get();
        if (failure != null) {
            throw new IOException("Pulsar did not persist a retrain request: " + failure.getMessage(), failure);
        }
    }

    private static void closeQuietly(PulsarClient client, Exception cause) {
        if (client != null) {
            try {
                client.close();
            } catch (PulsarClientException e) {
                cause.addSuppressed(e);
            }
        }
    }
}
