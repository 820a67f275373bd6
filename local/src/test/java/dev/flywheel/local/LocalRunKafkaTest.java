package dev.flywheel.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.events.Topics;
import dev.flywheel.registry.api.AliasUpdate;
import dev.flywheel.registry.client.RegistryClient;
import dev.flywheel.registry.http.Credentials;
import dev.flywheel.simulator.ClickstreamProducer;
import dev.flywheel.simulator.KafkaRecordSink;
import dev.flywheel.simulator.Pacing;
import dev.flywheel.simulator.RecordCounts;
import dev.flywheel.simulator.ShopSimulator;
import dev.flywheel.simulator.SimulatedClickstream;
import dev.flywheel.simulator.SimulatorConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local run's parts together, as {@code run-local.sh} wires them: the stack (real Kafka, a
 * MiniCluster, the registry), models the trainer trained on simulated warm-ups, both jobs, traffic
 * through the timing sink, and the readers the status line is made of. Nothing waits for a fixed
 * time: every step waits for its condition, with a generous deadline.
 */
class LocalRunKafkaTest {
    private static final Duration DEADLINE = Duration.ofMinutes(4);
    private static final int EVENTS = 6_000;
    /** So large that no latency on a loaded machine reaches it: a sample over it means a lost match. */
    private static final long CEILING_MILLIS = 600_000;

    @TempDir
    Path temp;

    @Test
    void modelsTrainedOnWarmupsServeTheSplitAndEveryDecisionIsTimed() throws Exception {
        WarmupModel champion = WarmupModel.train(SimulatorConfig.defaults(1).withUsers(400), 20_000, 0.2, "test");
        WarmupModel challenger = WarmupModel.train(SimulatorConfig.defaults(2).withUsers(400), 20_000, 0.2, "test");
        assertThat(champion.holdoutExamples()).isPositive();
        // Both learned something: better than chance, short of the simulator's truth.
        for (WarmupModel model : List.of(champion, challenger)) {
            assertThat(model.auc()).isGreaterThan(0.55).isLessThan(model.bestAchievableAuc());
        }

        Path store = Files.createDirectories(temp.resolve("registry"));
        try (LocalStack stack = LocalStack.start(0, 4, 4, store, 0)) {
            RegistryClient editor = new RegistryClient(URI.create(stack.registryUrl()), Credentials.LOCAL_EDITOR);
            int v1 = editor.register(champion.descriptor(), champion.onnx()).version();
            int v2 = editor.register(challenger.descriptor(), challenger.onnx()).version();
            editor.setAliases(WarmupModel.MODEL, new AliasUpdate(v1, v2, 0, 0.25, 0));

            LocalJobs jobs = LocalJobs.submit(stack, 2);
            SendTimes sendTimes = new SendTimes(CEILING_MILLIS);
            Latencies latencies = new Latencies(CEILING_MILLIS, StatusLine.WINDOW);
            try (AnalyticsTail analytics = new AnalyticsTail(stack.kafkaBootstrap());
                    DecisionsTail decisions = new DecisionsTail(stack.kafkaBootstrap(), sendTimes, latencies)) {
                await("both jobs running", () -> jobs.analyticsMetrics().running() && jobs.scoringMetrics().running());
                Traffic traffic = new Traffic(stack, sendTimes);

                assertThat(traffic.send(EVENTS).malformed()).isPositive();
                awaitAllDecided(traffic, jobs, decisions);
                // The split the job reports is the one the registry was given, once every subtask has taken it.
                await("the split on every subtask", () ->
                        ServingSplit.describe(jobs.scoringMetrics().read()).equals("v1 75% / v2 25%"));
                DecisionsTail.Counts counts = decisions.counts();
                assertThat(counts.actedByVersion().keySet()).containsExactly(v1, v2);
                assertThat(counts.repeated()).isZero();
                long acted = acted(counts);
                // Every decision found its event's send time: none is reported as lost over the ceiling.
                Latencies.Percentiles run = latencies.run();
                assertThat(run.samples()).isEqualTo(acted);
                assertThat(run.p99()).isNotEqualTo(Latencies.OVER_CEILING).isGreaterThanOrEqualTo(run.p50());
                assertThat(sendTimes.pending()).isEqualTo(traffic.valid - acted);

                // Both jobs parse and dead-letter every record; the tail counts each bad record once.
                await("the analytics job's parse and both jobs' dead letters", () -> {
                    analytics.poll();
                    return analytics.deadLetterRecords() == 2 * traffic.malformed
                            && jobs.analyticsMetrics().sums().getOrDefault(LocalJobs.ACCEPTED, 0L) == traffic.valid;
                });
                assertThat(analytics.deadLetters()).isEqualTo(traffic.malformed);

                // A promotion reaches each subtask with its next event; from then on v2 decides alone.
                editor.promote(WarmupModel.MODEL);
                await("v2 alone on every subtask", () -> {
                    traffic.send(200);
                    return ServingSplit.describe(jobs.scoringMetrics().read()).equals("v2 100%");
                });
                awaitAllDecided(traffic, jobs, decisions);
                Map<Integer, Long> before = decisions.counts().actedByVersion();
                long unscoredBefore = jobs.scoringMetrics().sums().getOrDefault(LocalJobs.UNSCORED, 0L);
                RecordCounts last = traffic.send(2_000);
                awaitAllDecided(traffic, jobs, decisions);
                Map<Integer, Long> after = decisions.counts().actedByVersion();
                assertThat(after.get(v1)).isEqualTo(before.get(v1));
                assertThat(after.get(v2) - before.get(v2)).isEqualTo(last.valid());
                assertThat(jobs.scoringMetrics().sums().getOrDefault(LocalJobs.UNSCORED, 0L)).isEqualTo(unscoredBefore);
            } finally {
                jobs.cancel();
            }
        }
    }

    private static long acted(DecisionsTail.Counts counts) {
        return counts.actedByVersion().values().stream().mapToLong(Long::longValue).sum();
    }

    /** Every valid event sent so far has its decision read, or the scoring job counted it unscored. */
    private static void awaitAllDecided(Traffic traffic, LocalJobs jobs, DecisionsTail decisions)
            throws InterruptedException {
        await("every valid event decided or counted unscored", () -> acted(decisions.counts())
                + jobs.scoringMetrics().sums().getOrDefault(LocalJobs.UNSCORED, 0L) == traffic.valid);
    }

    /**
     * Batches of simulated records, as fast as the producer takes them, timed as run-local times
     * them. Each batch is a shop of its own seed (so event ids never repeat) an hour after the last.
     */
    private static final class Traffic {
        private final LocalStack stack;
        private final SendTimes sendTimes;
        private int batches;
        long valid;
        long malformed;

        Traffic(LocalStack stack, SendTimes sendTimes) {
            this.stack = stack;
            this.sendTimes = sendTimes;
        }

        RecordCounts send(int count) {
            batches++;
            SimulatorConfig shop = SimulatorConfig.defaults(100 + batches).withUsers(2_000)
                    .withStartEpochMs(SimulatorConfig.DEFAULT_START_EPOCH_MS + batches * 3_600_000L);
            SimulatedClickstream records = new SimulatedClickstream(new ShopSimulator(shop), count, 0.01);
            try (ClickstreamProducer producer = new ClickstreamProducer(
                    sendTimes.timing(new KafkaRecordSink(stack.kafkaBootstrap(), Topics.CLICKSTREAM)))) {
                producer.produce(records, Pacing.unlimited(), null, progress -> { });
            }
            RecordCounts counts = records.counts();
            valid += counts.valid();
            malformed += counts.malformed();
            return counts;
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
