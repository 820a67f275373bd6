package dev.flywheel.bench;

import dev.flywheel.bench.BenchJobs.RunClock;
import dev.flywheel.events.DeadLetter;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.jobs.ingest.ParsingDeserializer;
import dev.flywheel.jobs.serving.ArtifactSource;
import dev.flywheel.jobs.serving.ModelArtifact;
import dev.flywheel.jobs.serving.ModelRefusedException;
import dev.flywheel.models.ServingVariant;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.types.Either;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Holds a bounded run's clickstream until its models are loaded. A scoring subtask loads a model
 * in the background and serves nothing until it is ready (events meanwhile get no decision, as in
 * production), so a bounded run over a pre-filled topic would leave its first events unscored and
 * its decision count short. The gate opens once every scoring subtask has fetched its artifact and
 * a settling pause for the session to open has passed; the run's time starts when the first record
 * passes, so the wait costs the run's figure nothing (see {@link RunClock}).
 */
final class StartGate {
    private static final Map<String, CountDownLatch> GATES = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> FETCHES = new ConcurrentHashMap<>();

    private StartGate() {
    }

    /**
     * Opens the run's gate on a thread of its own once {@code fetches} artifacts were fetched and
     * {@code settle} has passed, or after {@code deadline} whatever happened (the run's decision
     * count then says what was missed).
     */
    static void openAfterFetches(String run, int fetches, Duration settle, Duration deadline) {
        CountDownLatch gate = GATES.computeIfAbsent(run, r -> new CountDownLatch(1));
        AtomicInteger fetched = FETCHES.computeIfAbsent(run, r -> new AtomicInteger());
        Thread opener = new Thread(() -> {
            long until = System.nanoTime() + deadline.toNanos();
            try {
                while (fetched.get() < fetches && System.nanoTime() < until) {
                    Thread.sleep(20);
                }
                Thread.sleep(settle.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                gate.countDown();
            }
        }, "bench-start-gate " + run);
        opener.setDaemon(true);
        opener.start();
    }

    private static void await(String run) {
        CountDownLatch gate = GATES.get(run);
        if (gate == null) {
            return;
        }
        try {
            if (!gate.await(10, TimeUnit.MINUTES)) {
                throw new IllegalStateException("the start gate of " + run + " never opened");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted at the start gate of " + run, e);
        }
    }

    /** The job's own parser, behind the run's gate; marks the run's first record. */
    static final class GatedParser implements KafkaRecordDeserializationSchema<Either<DeadLetter, ShopperEvent>> {
        private static final long serialVersionUID = 1L;
        private final String run;
        private final ParsingDeserializer parser;
        private transient boolean passed;

        GatedParser(String run, int maxPayloadBytes) {
            this.run = run;
            this.parser = new ParsingDeserializer(maxPayloadBytes);
        }

        @Override
        public void open(DeserializationSchema.InitializationContext context) throws Exception {
            parser.open(context);
        }

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, org.apache.flink.util.Collector<Either<DeadLetter,
                ShopperEvent>> out) throws java.io.IOException {
            if (!passed) {
                await(run);
                RunClock.markFirstRead(run);
                passed = true;
            }
            parser.deserialize(record, out);
        }

        @Override
        public TypeInformation<Either<DeadLetter, ShopperEvent>> getProducedType() {
            return ParsingDeserializer.PARSED;
        }
    }

    /** The job's artifact source, counting fetches for the run's gate. */
    record CountingArtifacts(String run, ArtifactSource delegate) implements ArtifactSource {
        private static final long serialVersionUID = 1L;

        @Override
        public ModelArtifact fetch(String model, ServingVariant variant) throws ModelRefusedException {
            ModelArtifact artifact = delegate.fetch(model, variant);
            FETCHES.computeIfAbsent(run, r -> new AtomicInteger()).incrementAndGet();
            return artifact;
        }
    }
}
