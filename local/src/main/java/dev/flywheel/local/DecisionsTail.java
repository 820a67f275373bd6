package dev.flywheel.local;

import dev.flywheel.decisions.Decision;
import dev.flywheel.decisions.DecisionJson;
import dev.flywheel.events.Topics;
import dev.flywheel.outcomes.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads {@code decisions} and {@code outcomes} the way a downstream consumer would, on a thread of
 * its own so that a slow status line never delays a read: counts decisions per served version,
 * outcomes and their labels, and measures each acted decision's latency as the moment this consumer
 * read it minus the moment its event was handed to the producer ({@link SendTimes}). That span is
 * everything a shopper-facing caller would wait for: the producer's batching, the broker, the
 * job's source, parsing, two network shuffles, feature updates, ONNX scoring, the decision sink's
 * producer and the broker again. Outcomes are read committed: they count once their Kafka
 * transaction commits, at the scoring job's checkpoints.
 */
final class DecisionsTail implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final SendTimes sendTimes;
    private final Latencies latencies;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile RuntimeException failure;

    private long decisions;
    private long repeated;
    private final Map<Integer, Long> actedByVersion = new TreeMap<>();
    private long outcomes;
    private long purchased;

    /**
     * What has been read so far.
     *
     * @param decisions      decision records, repeated deliveries included
     * @param repeated       of which acted decisions delivered again (after a job restart)
     * @param actedByVersion first deliveries of acted decisions, by model version, ascending
     */
    record Counts(long decisions, long repeated, Map<Integer, Long> actedByVersion, long outcomes, long purchased) {
    }

    private final String decisionsTopic;

    DecisionsTail(String bootstrap, SendTimes sendTimes, Latencies latencies) {
        this(bootstrap, LocalTopics.defaults(), sendTimes, latencies);
    }

    DecisionsTail(String bootstrap, LocalTopics topics, SendTimes sendTimes, Latencies latencies) {
        this.decisionsTopic = topics.decisions();
        this.sendTimes = sendTimes;
        this.latencies = latencies;
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(topics.decisions(), topics.outcomes())) {
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        thread = new Thread(this::run, "flywheel-decisions-tail");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        DecisionJson json = new DecisionJson();
        try {
            while (running) {
                ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(200));
                long readAt = System.currentTimeMillis();
                for (ConsumerRecord<byte[], byte[]> record : batch) {
                    if (record.topic().equals(decisionsTopic)) {
                        decided(json.decodeDecision(record.value()), readAt);
                    } else {
                        labelled(json.decodeOutcome(record.value()));
                    }
                }
            }
        } catch (WakeupException stopping) {
            // close() asked us to stop.
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private void decided(Decision decision, long readAt) {
        long sentAt = decision.acted() ? sendTimes.take(decision.eventId()) : SendTimes.UNKNOWN;
        boolean repeat = sentAt == SendTimes.DUPLICATE;
        if (decision.acted() && !repeat) {
            // Recorded before the counts move, so a reader who sees a decision counted sees its latency too.
            // Every event on the wire came from this run's producer: an unknown start means slower than kept.
            latencies.record(readAt, sentAt == SendTimes.UNKNOWN ? Latencies.OVER_CEILING : readAt - sentAt);
        }
        synchronized (this) {
            decisions++;
            if (repeat) {
                repeated++;
            } else if (decision.acted()) {
                actedByVersion.merge(decision.modelVersion(), 1L, Long::sum);
            }
        }
    }

    private synchronized void labelled(Outcome outcome) {
        outcomes++;
        purchased += outcome.purchased() ? 1 : 0;
    }

    synchronized Counts counts() {
        if (failure != null) {
            throw new IllegalStateException("reading decisions failed: " + failure.getMessage(), failure);
        }
        return new Counts(decisions, repeated, Collections.unmodifiableMap(new TreeMap<>(actedByVersion)), outcomes, purchased);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
    }
}
