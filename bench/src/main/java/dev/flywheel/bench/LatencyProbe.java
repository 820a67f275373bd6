package dev.flywheel.bench;

import dev.flywheel.decisions.Decision;
import dev.flywheel.decisions.DecisionJson;
import dev.flywheel.events.EventCodec;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.simulator.KafkaRecordSink;
import dev.flywheel.simulator.ShopSimulator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Event-to-decision latency against a running scoring job: a paced producer writes simulated
 * events, each stamped with its produce wall time (the record's CreateTime), and a consumer of the
 * decisions topic notes when each event's decision became readable. Two figures per event:
 * <em>readable</em>, CreateTime to the moment the consumer received the decision (what a shop's
 * service reading decisions would see), and <em>decided</em>, CreateTime to the decision's own
 * {@code decisionTime} (the job's part, without the decision's way out through Kafka). Producer,
 * job and consumer share this JVM's clock.
 *
 * <p>Only events produced in the measured window count; the warm-up before it (model load, JIT)
 * and the drain after it do not. The producer sends without lingering, so the clock starts when
 * the event leaves the shop.
 */
final class LatencyProbe implements AutoCloseable {
    /** What a paced run measured, in milliseconds. */
    record Result(long measured, long decided, double achievedRate, long readableP50, long readableP99,
            long decidedP50, long decidedP99) {
    }

    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String clickstream;
    private final ShopSimulator simulator;
    private final EventCodec codec = new EventCodec();
    /** Events of the measured window by id: their produce time, until their decision is read. */
    private final Map<String, Long> waiting = new ConcurrentHashMap<>();
    private final List<long[]> latencies = new ArrayList<>();
    private volatile boolean stopped;
    private volatile long decisionsSeen;

    LatencyProbe(String bootstrap, String clickstream, String decisions, ShopSimulator simulator) {
        Properties producerProperties = KafkaRecordSink.producerProperties(bootstrap);
        producerProperties.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        producerProperties.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-paced-producer");
        this.producer = new KafkaProducer<>(producerProperties, new ByteArraySerializer(), new ByteArraySerializer());
        Properties consumerProperties = new Properties();
        consumerProperties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        consumerProperties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumerProperties.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, "1");
        consumerProperties.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
        this.consumer = new KafkaConsumer<>(consumerProperties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        consumer.partitionsFor(decisions).forEach(p -> partitions.add(new TopicPartition(decisions, p.partition())));
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        this.clickstream = clickstream;
        this.simulator = simulator;
    }

    /**
     * Produces at {@code rate} until decisions flow (the model is loaded), then for {@code warmup},
     * then for {@code window} with every event timed, then waits up to 30 s for their decisions.
     */
    Result run(double rate, Duration warmup, Duration window) throws InterruptedException {
        Thread reader = new Thread(this::read, "bench-decision-reader");
        reader.start();
        try {
            long start = System.nanoTime();
            long sent = 0;
            long deadline = start + Duration.ofMinutes(2).toNanos();
            long phaseEnd = Long.MAX_VALUE;
            long measureStart = Long.MAX_VALUE;
            long measureEnd = Long.MAX_VALUE;
            long measuredSent = 0;
            while (true) {
                long now = System.nanoTime();
                if (phaseEnd == Long.MAX_VALUE) {
                    if (decisionsSeen > 0) {
                        phaseEnd = now + warmup.toNanos();
                    } else if (now > deadline) {
                        throw new IllegalStateException("no decision within 2 minutes of the job's start");
                    }
                } else if (measureStart == Long.MAX_VALUE && now >= phaseEnd) {
                    measureStart = now;
                    measureEnd = now + window.toNanos();
                } else if (now >= measureEnd) {
                    break;
                }
                boolean measuring = now >= measureStart;
                long due = (long) ((now - start) / 1e9 * rate);
                for (; sent < due; sent++) {
                    ShopperEvent event = simulator.next().event();
                    long millis = System.currentTimeMillis();
                    if (measuring) {
                        waiting.put(event.eventId(), millis);
                        measuredSent++;
                    }
                    producer.send(new ProducerRecord<>(clickstream, null, millis,
                            event.userId().getBytes(StandardCharsets.UTF_8), codec.encode(event)));
                }
                LockSupport.parkNanos(200_000);
            }
            double achieved = measuredSent / (window.toNanos() / 1e9);
            long drainDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!waiting.isEmpty() && System.nanoTime() < drainDeadline) {
                Thread.sleep(50);
            }
            stopped = true;
            reader.join();
            return summarise(measuredSent, achieved);
        } finally {
            stopped = true;
            reader.join();
        }
    }

    private void read() {
        DecisionJson json = new DecisionJson();
        while (!stopped) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                long readable = System.currentTimeMillis();
                decisionsSeen++;
                Decision decision = json.decodeDecision(record.value());
                Long produced = waiting.remove(decision.eventId());
                if (produced != null) {
                    synchronized (latencies) {
                        latencies.add(new long[] {readable - produced, decision.decisionTime() - produced});
                    }
                }
            }
        }
    }

    private Result summarise(long measured, double achieved) {
        long[] readable;
        long[] decided;
        synchronized (latencies) {
            readable = latencies.stream().mapToLong(l -> l[0]).sorted().toArray();
            decided = latencies.stream().mapToLong(l -> l[1]).sorted().toArray();
        }
        return new Result(measured, readable.length, achieved, quantile(readable, 0.5), quantile(readable, 0.99),
                quantile(decided, 0.5), quantile(decided, 0.99));
    }

    private static long quantile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return -1;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
        consumer.close();
    }
}
