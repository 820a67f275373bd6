package dev.flywheel.jobs.scoring;

import static dev.flywheel.jobs.scoring.ScoringStack.PARALLELISM;
import static dev.flywheel.jobs.scoring.ScoringStack.await;
import static dev.flywheel.jobs.serving.TestModels.MODEL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.decisions.Decision;
import dev.flywheel.embedded.EmbeddedKafkaExtension;
import dev.flywheel.events.DeadLetter;
import dev.flywheel.events.EventHeader;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.jobs.JobArgs;
import dev.flywheel.jobs.ingest.ParsingDeserializer;
import dev.flywheel.outcomes.Attribution;
import dev.flywheel.outcomes.Outcome;
import dev.flywheel.registry.api.AliasUpdate;
import dev.flywheel.simulator.SimulatorConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Outcomes are training data, so they are written exactly once, also across a failure. The scoring
 * job (real Kafka, a real registry, parallelism 2) fails once mid-stream, after outcomes have been
 * committed by one checkpoint and more have been written into the next, still open transaction,
 * and restarts from that checkpoint. A {@code read_committed} consumer must then see every
 * decision's outcome once, with the label the offline attribution gives; a {@code read_uncommitted}
 * consumer of the same topic is the negative control: it must see the aborted copies, or the test
 * would not have been able to see duplicates at all.
 *
 * <p>Checkpoints are triggered by the test, not by the clock: the interval and the minimum pause
 * are ten minutes, so Flink takes none on its own while the test runs, and the open transaction at
 * the failure certainly holds outcomes.
 */
class OutcomesExactlyOnceKafkaTest {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(4)
            .build());

    private static final long HOUR = 3_600_000;
    private static final Duration NO_PERIODIC_CHECKPOINTS = Duration.ofMinutes(10);
    private static final String POISON = "fail-here-once";

    @Test
    void aFailureMidStreamLeavesNoDuplicateAndNoMissingOutcome(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        FailOnce.FAILURES.set(0);
        try (ScoringStack stack = new ScoringStack(KAFKA.kafka(), "exactly-once")) {
            stack.editor.setAliases(MODEL, new AliasUpdate(stack.register(1), 0, 0, 0, 0));

            // A quiet shop (one session every 2 s): the parts span hours, so each closes windows.
            List<ShopperEvent> events = ScoringStack.simulated(
                    SimulatorConfig.defaults(7).withUsers(5_000).withSessionsPerSecond(0.5), 24_000);
            List<ShopperEvent> committed = events.subList(0, 10_000);
            List<ShopperEvent> open = events.subList(10_000, 17_000);
            List<ShopperEvent> after = events.subList(17_000, events.size());

            Configuration configuration = new Configuration();
            configuration.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
            configuration.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 1);
            configuration.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
            configuration.set(CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS, NO_PERIODIC_CHECKPOINTS);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(configuration);
            ScoringConfig config = ScoringConfig.from(JobArgs.of(stack.jobArgs(Map.of(
                    "checkpoint-interval", NO_PERIODIC_CHECKPOINTS.toMinutes() + "min",
                    "checkpoint-timeout", "1min"))));
            ScoringJob.onKafka(config, new FailOnce(config.job().maxPayloadBytes())).build(env);
            JobClient job = env.executeAsync("outcomes-exactly-once");
            JobID id = job.getJobID();

            try (ScoringStack.Tail committedTail = stack.new Tail(stack.outcomes, "read_committed");
                    ScoringStack.Tail uncommittedTail = stack.new Tail(stack.outcomes, "read_uncommitted");
                    ScoringStack.Tail decisions = stack.new Tail(stack.decisions, "read_uncommitted")) {
                // Until both scoring subtasks serve v1: an event that arrives while the model loads gets no decision.
                long opening = events.get(0).ts();
                for (int round = 0; subtasksDeciding(decisions) < PARALLELISM; round++) {
                    stack.produce(ScoringStack.markers("warm" + round, opening - HOUR, 8));
                    Thread.sleep(20);
                }

                // 1. The first part's outcomes (those whose window the watermark has passed) are
                // written, then committed by checkpoint 1.
                Set<String> shop = eventIds(events);
                stack.produce(committed);
                long first = closedAfter(events, 10_000);
                await(first + " outcomes of the first part", () -> count(uncommittedTail, shop) == first,
                        () -> count(uncommittedTail, shop));
                assertThat(first).isGreaterThan(1_000);
                cluster.triggerCheckpoint(id).get(2, TimeUnit.MINUTES);
                await("checkpoint 1 committed", () -> count(committedTail, shop) == first);

                // 2. The second part's outcomes go into the transaction checkpoint 2 would commit;
                // then the failure. The job restarts from checkpoint 1 and writes them again.
                stack.produce(open);
                long second = closedAfter(events, 17_000);
                await(second + " outcomes up to the second part", () -> count(uncommittedTail, shop) == second,
                        () -> count(uncommittedTail, shop));
                assertThat(second - first).isGreaterThan(1_000);
                stack.produce(List.of(new ShopperEvent.View(new EventHeader(POISON, open.get(open.size() - 1).ts(),
                        "marker-poison", "marker"), "marker-item-0", "markers", 1.0)));
                await("the failure and the restart", () -> FailOnce.FAILURES.get() == 1
                        && status(job) == JobStatus.RUNNING && count(uncommittedTail, shop) > second,
                        () -> "failures " + FailOnce.FAILURES.get() + ", job " + status(job) + ", outcomes read "
                                + count(uncommittedTail, shop) + " (" + second + " before the failure)");

                // 3. The rest, and markers two hours later that close every attribution window.
                stack.produce(after);
                stack.produce(ScoringStack.markers("close", events.get(events.size() - 1).ts() + 2 * HOUR, 1));
                Set<String> expected = decisionIds(decisions, events);
                await("an outcome for every decision, uncommitted", () -> {
                    Set<String> seen = new HashSet<>();
                    uncommittedTail.outcomes().forEach(outcome -> seen.add(outcome.decisionId()));
                    return seen.containsAll(expected);
                });
                cluster.triggerCheckpoint(id).get(2, TimeUnit.MINUTES);
                await("an outcome for every decision, committed", () -> count(committedTail, shop) >= events.size());
                job.cancel().get();

                List<Outcome> read = committedTail.outcomes();
                List<Outcome> readUncommitted = uncommittedTail.outcomes();
                Map<String, Integer> copies = new HashMap<>();
                read.forEach(outcome -> copies.merge(outcome.decisionId(), 1, Integer::sum));
                long duplicates = read.size() - copies.size();
                long missing = expected.stream().filter(d -> !copies.containsKey(d)).count();
                long uncommittedDuplicates = readUncommitted.size()
                        - readUncommitted.stream().map(Outcome::decisionId).distinct().count();
                long mismatches = labelMismatches(read, decisions, events);
                System.out.printf("exactly-once outcomes: %d events, 1 failure and restart; read_committed: %d outcomes,"
                                + " %d duplicates, %d missing, %d labels differing from the offline attribution;"
                                + " read_uncommitted: %d outcomes, %d duplicates (aborted copies)%n",
                        events.size(), read.size(), duplicates, missing, mismatches, readUncommitted.size(),
                        uncommittedDuplicates);

                assertThat(FailOnce.FAILURES.get()).isEqualTo(1);
                assertThat(duplicates).isZero();
                assertThat(missing).isZero();
                assertThat(mismatches).isZero();
                // The negative control: the outcomes written between checkpoint 1 and the failure were
                // aborted and written again, and a reader that does not wait for commits sees both.
                assertThat(uncommittedDuplicates).isEqualTo(second - first);
            }
        }
    }

    /**
     * How many of the first {@code produced} events have an outcome once the job has read them all:
     * those whose attribution window closes at or before the watermark, which is the smallest of
     * the partitions' newest event times less the out-of-orderness bound (5 s) and 1 ms.
     */
    private static long closedAfter(List<ShopperEvent> events, int produced) {
        long[] newest = new long[ScoringStack.PARTITIONS];
        java.util.Arrays.fill(newest, Long.MIN_VALUE);
        for (ShopperEvent event : events.subList(0, produced)) {
            int partition = ScoringStack.partitionOf(event.userId());
            newest[partition] = Math.max(newest[partition], event.ts());
        }
        long watermark = java.util.Arrays.stream(newest).min().orElseThrow() - 5_000 - 1;
        Attribution attribution = Attribution.defaults();
        return events.subList(0, produced).stream().filter(e -> attribution.closesAt(e.ts()) <= watermark).count();
    }

    /** Outcomes read so far of the shop's events (markers left out), copies included. */
    private static long count(ScoringStack.Tail tail, Set<String> eventIds) {
        return tail.outcomes().stream().filter(outcome -> eventIds.contains(outcome.decision().eventId())).count();
    }

    private static Set<String> eventIds(List<ShopperEvent> events) {
        Set<String> ids = new HashSet<>();
        events.forEach(event -> ids.add(event.eventId()));
        return ids;
    }

    private static JobStatus status(JobClient job) {
        try {
            return job.getJobStatus().get();
        } catch (Exception e) {
            return JobStatus.FAILED;
        }
    }

    private static int subtasksDeciding(ScoringStack.Tail decisions) {
        Set<Integer> subtasks = new HashSet<>();
        for (Decision decision : decisions.decisions()) {
            subtasks.add(ScoringStack.scoringSubtaskOf(decision));
        }
        return subtasks.size();
    }

    /** The decision ids of the shop's events (markers excluded); the job decides each event once. */
    private static Set<String> decisionIds(ScoringStack.Tail decisions, List<ShopperEvent> events)
            throws InterruptedException {
        Set<String> wanted = new HashSet<>();
        events.forEach(event -> wanted.add(event.eventId()));
        Map<String, String> byEvent = new HashMap<>();
        await("a decision for every event", () -> {
            for (Decision decision : decisions.decisions()) {
                if (wanted.contains(decision.eventId())) {
                    byEvent.put(decision.eventId(), decision.decisionId());
                }
            }
            return byEvent.size() == wanted.size();
        });
        return new HashSet<>(byEvent.values());
    }

    private static long labelMismatches(List<Outcome> outcomes, ScoringStack.Tail decisions, List<ShopperEvent> events) {
        boolean[] labels = Attribution.defaults().labels(events);
        Map<String, Boolean> expected = new HashMap<>();
        for (int i = 0; i < events.size(); i++) {
            expected.put(events.get(i).eventId(), labels[i]);
        }
        long mismatches = 0;
        for (Outcome outcome : outcomes) {
            Boolean label = expected.get(outcome.decision().eventId());
            if (label != null && label != outcome.purchased()) {
                mismatches++;
            }
        }
        return mismatches;
    }

    /**
     * The job's own parser, except that the first time it meets the poison record it throws, as a
     * crashing task would. The count is static: the MiniCluster runs in this JVM, and the restarted
     * task must parse the same record normally.
     */
    static final class FailOnce implements KafkaRecordDeserializationSchema<Either<DeadLetter, ShopperEvent>> {
        private static final long serialVersionUID = 1L;
        static final AtomicInteger FAILURES = new AtomicInteger();
        private final ParsingDeserializer parser;

        FailOnce(int maxPayloadBytes) {
            this.parser = new ParsingDeserializer(maxPayloadBytes);
        }

        @Override
        public void open(DeserializationSchema.InitializationContext context) throws Exception {
            parser.open(context);
        }

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Either<DeadLetter, ShopperEvent>> out)
                throws IOException {
            if (new String(record.value(), StandardCharsets.UTF_8).contains(POISON)
                    && FAILURES.compareAndSet(0, 1)) {
                throw new IOException("failure forced by the test at " + record.topic() + "-" + record.partition()
                        + "@" + record.offset());
            }
            parser.deserialize(record, out);
        }

        @Override
        public TypeInformation<Either<DeadLetter, ShopperEvent>> getProducedType() {
            return parser.getProducedType();
        }
    }
}
