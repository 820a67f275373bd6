package dev.flywheel.jobs.scoring;

import static dev.flywheel.jobs.scoring.ScoringStack.PARALLELISM;
import static dev.flywheel.jobs.scoring.ScoringStack.await;
import static dev.flywheel.jobs.scoring.ScoringStack.scoringSubtaskOf;
import static dev.flywheel.jobs.serving.TestModels.MODEL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.decisions.Decision;
import dev.flywheel.embedded.EmbeddedKafkaExtension;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.FeatureSpec;
import dev.flywheel.features.FeatureVector;
import dev.flywheel.features.OfflineFeatureReplay;
import dev.flywheel.jobs.JobArgs;
import dev.flywheel.jobs.features.FeatureHarness;
import dev.flywheel.jobs.serving.TrafficSplit;
import dev.flywheel.jobs.testing.CollectingReporter;
import dev.flywheel.outcomes.Attribution;
import dev.flywheel.outcomes.Outcome;
import dev.flywheel.registry.api.AliasUpdate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The decide-and-measure loop end to end: a real Kafka broker, a real model registry publishing to
 * {@code model-updates}, models the trainer trained, the scoring job at parallelism 2 in a
 * MiniCluster with no restarts. The registry changes mid-stream (champion, then a challenger at
 * 20%, then a promotion, then a corrupted version) while the shop's events flow; every decision
 * must match the configuration its subtask had in force, and every outcome the offline label.
 */
class ScoringLoopKafkaTest {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(CollectingReporter.install(new Configuration()))
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(4)
            .build());

    private static final double SHARE = 0.2;
    private static final long HOUR = 3_600_000;
    /** Events per step while waiting for a change to show in the decisions. */
    private static final int STEP = 50;

    @Test
    void championChallengerPromotionAndACorruptedVersionMidStream() throws Exception {
        try (ScoringStack stack = new ScoringStack(KAFKA.kafka(), "loop")) {
            int v1 = stack.register(1);
            int v2 = stack.register(2);
            int v3 = stack.register(3);
            stack.editor.setAliases(MODEL, new AliasUpdate(v1, 0, 0, 0, 0));

            List<ShopperEvent> events = ScoringStack.simulated(21, 10_000, 40_000);
            // The split phase is the longest: the share of users on v2 is measured over its users.
            List<ShopperEvent> champion = events.subList(0, 5_000);
            List<ShopperEvent> split = events.subList(5_000, 25_000);
            List<ShopperEvent> promoted = events.subList(25_000, 32_500);
            List<ShopperEvent> corrupted = events.subList(32_500, events.size());

            Configuration configuration = new Configuration();
            configuration.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(configuration);
            ScoringJob.onKafka(ScoringConfig.from(JobArgs.of(stack.jobArgs(Map.of())))).build(env);
            JobClient job = env.executeAsync("scoring-loop");

            try (ScoringStack.Tail tail = stack.new Tail(stack.decisions, "read_committed");
                    ScoringStack.Tail outcomesTail = stack.new Tail(stack.outcomes, "read_committed")) {
                Decisions decisions = new Decisions(tail);
                // Markers an hour before the shop opens, until both scoring subtasks serve v1: an
                // event that arrives while the first model is still loading gets no decision.
                long opening = events.get(0).ts();
                for (int round = 0; decisions.subtasksDeciding("marker-") < PARALLELISM; round++) {
                    stack.produce(ScoringStack.markers("warm" + round, opening - HOUR, 8));
                    Thread.sleep(20);
                }

                stack.produce(champion);
                decisions.awaitAll(champion);

                long splitAt = System.currentTimeMillis();
                stack.editor.setAliases(MODEL, new AliasUpdate(v1, v2, 0, SHARE, 0));
                produceUntil(stack, split, () -> decisions.subtasksShowing(d -> "challenger".equals(d.variant())));
                decisions.awaitAll(split);

                long promotedAt = System.currentTimeMillis();
                stack.editor.promote(MODEL);
                produceUntil(stack, promoted, () -> decisions.subtasksShowing(
                        d -> d.modelVersion() == v2 && "champion".equals(d.variant())));
                decisions.awaitAll(promoted);

                // v3's stored artifact is altered after registration: every subtask must refuse it.
                Path artifact = stack.store.resolve("models").resolve(MODEL).resolve(Integer.toString(v3))
                        .resolve("model.onnx");
                byte[] bytes = Files.readAllBytes(artifact);
                bytes[bytes.length / 2] ^= 0x5a;
                Files.write(artifact, bytes);
                stack.editor.setAliases(MODEL, new AliasUpdate(v3, 0, 0, 0, 0));
                // The model-wide counter (the per-reason ones end in "<reason>.load_failures").
                produceUntil(stack, corrupted, () -> (int) CollectingReporter.counterSum(
                        "flywheel.model." + MODEL + ".load_failures") >= PARALLELISM ? PARALLELISM : 0);
                decisions.awaitAll(corrupted);
                assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING); // no restart, no failure
                assertThat(CollectingReporter.counterSum("flywheel.model." + MODEL, "reason.sha256_mismatch",
                        "load_failures")).isEqualTo(PARALLELISM);

                // Markers two hours after the last event close every attribution window.
                stack.produce(ScoringStack.markers("close", events.get(events.size() - 1).ts() + 2 * HOUR, 1));
                Map<String, Outcome> outcomes = new HashMap<>();
                await("an outcome for every decision", () -> {
                    for (Outcome outcome : outcomesTail.outcomes().subList(outcomes.size(), outcomesTail.outcomes().size())) {
                        outcomes.put(outcome.decisionId(), outcome);
                    }
                    return outcomes.keySet().containsAll(decisions.ids(events));
                });
                job.cancel().get();

                checkDecisions(decisions, events, champion, split, promoted, corrupted, v1, v2, splitAt, promotedAt);
                checkOutcomes(outcomes, decisions, events);
                checkVectors(decisions, events);
            }
        }
    }

    /**
     * Produces events a step at a time until {@code shown} reports the change on every scoring
     * subtask, then the rest at once: the change lands mid-stream, with traffic on both sides.
     */
    private static void produceUntil(ScoringStack stack, List<ShopperEvent> events,
            java.util.function.IntSupplier shown) throws InterruptedException {
        int sent = 0;
        while (sent < events.size() && shown.getAsInt() < PARALLELISM) {
            int next = Math.min(events.size(), sent + STEP);
            stack.produce(events.subList(sent, next));
            sent = next;
            Thread.sleep(20);
        }
        assertThat(sent).as("the change took effect before its phase's events ran out; metrics: %s",
                CollectingReporter.identifiers("flywheel")).isLessThan(events.size());
        stack.produce(events.subList(sent, events.size()));
    }

    private static void checkDecisions(Decisions decisions, List<ShopperEvent> events, List<ShopperEvent> champion,
            List<ShopperEvent> split, List<ShopperEvent> promoted, List<ShopperEvent> corrupted, int v1, int v2,
            long splitAt, long promotedAt) {
        // Exactly one decision per event: one variant acts, and nothing shadows in these configs.
        Map<String, List<Decision>> byEvent = decisions.byEvent();
        for (ShopperEvent event : events) {
            assertThat(byEvent.get(event.eventId())).as(event.eventId()).hasSize(1);
        }
        // Which configuration each decision could have been made under: A (v1 only), B (v1 with v2
        // at 20%), C (v2 only; the corrupted v3 never serves).
        long[] firstB = {Long.MAX_VALUE, Long.MAX_VALUE};
        long[] firstC = {Long.MAX_VALUE, Long.MAX_VALUE};
        for (ShopperEvent event : events) {
            Decision d = byEvent.get(event.eventId()).get(0);
            int subtask = scoringSubtaskOf(d);
            if (d.modelVersion() == v2 && d.variant().equals("challenger")) {
                firstB[subtask] = Math.min(firstB[subtask], d.decisionTime());
            } else if (d.modelVersion() == v2 && d.variant().equals("champion")) {
                firstC[subtask] = Math.min(firstC[subtask], d.decisionTime());
            } else {
                assertThat(d.modelVersion()).as(d.toString()).isEqualTo(v1);
                assertThat(d.variant()).as(d.toString()).isEqualTo("champion");
            }
        }
        Set<String> usersSplit = new HashSet<>();
        Set<String> usersOnV2 = new HashSet<>();
        for (ShopperEvent event : events) {
            Decision d = byEvent.get(event.eventId()).get(0);
            int subtask = scoringSubtaskOf(d);
            boolean challengerUser = TrafficSplit.bucket(MODEL, d.userId()) < SHARE;
            boolean onlyA = d.modelVersion() == v1 && challengerUser;
            boolean onlyB = d.variant().equals("challenger");
            boolean onlyC = d.modelVersion() == v2 && d.variant().equals("champion");
            // Once a subtask has made a decision under a newer config, it makes none under an older one.
            if (onlyA) {
                assertThat(d.decisionTime()).as(d.toString()).isLessThanOrEqualTo(firstB[subtask]);
            }
            if (!onlyC) {
                assertThat(d.decisionTime()).as(d.toString()).isLessThanOrEqualTo(firstC[subtask]);
            }
            if (onlyB) {
                assertThat(challengerUser).as("a challenger decision for a user outside its share").isTrue();
            }
            if (d.decisionTime() > firstB[subtask] && d.decisionTime() < firstC[subtask]) {
                usersSplit.add(d.userId());
                if (onlyB) {
                    usersOnV2.add(d.userId());
                }
            }
        }
        for (int subtask = 0; subtask < PARALLELISM; subtask++) {
            // A change can't act before it was made; it acts within a bound after (printed below).
            assertThat(firstB[subtask]).isGreaterThanOrEqualTo(splitAt);
            assertThat(firstC[subtask]).isGreaterThanOrEqualTo(promotedAt);
        }
        long splitDelay = Math.max(firstB[0], firstB[1]) - splitAt;
        long promoteDelay = Math.max(firstC[0], firstC[1]) - promotedAt;
        double share = 100.0 * usersOnV2.size() / usersSplit.size();
        System.out.printf("loop: %d events; registry change to first decision under it on every subtask: split %d ms,"
                        + " promotion %d ms; users on v2 while split: %d of %d (%.1f%%)%n", events.size(), splitDelay,
                promoteDelay, usersOnV2.size(), usersSplit.size(), share);
        assertThat(usersSplit.size()).isGreaterThan(3_500); // 2 points are then over 3 standard deviations
        assertThat(share).isBetween(18.0, 22.0);
        // The bound a loaded CI machine keeps; the figure on a quiet one is in the output above.
        assertThat(splitDelay).isLessThan(10_000);
        assertThat(promoteDelay).isLessThan(10_000);
        champion.forEach(e -> assertThat(byEvent.get(e.eventId()).get(0).modelVersion()).isEqualTo(v1));
        // The corrupted v3 was refused on every subtask while v2 kept serving.
        corrupted.forEach(e -> assertThat(byEvent.get(e.eventId()).get(0).modelVersion()).isEqualTo(v2));
        assertThat(split).isNotEmpty();
        assertThat(promoted).isNotEmpty();
    }

    private static void checkOutcomes(Map<String, Outcome> outcomes, Decisions decisions, List<ShopperEvent> events) {
        boolean[] labels = Attribution.defaults().labels(events);
        Map<String, List<Decision>> byEvent = decisions.byEvent();
        long mismatches = 0;
        long positives = 0;
        for (int i = 0; i < events.size(); i++) {
            Decision decision = byEvent.get(events.get(i).eventId()).get(0);
            Outcome outcome = outcomes.get(decision.decisionId());
            assertThat(outcome.decision()).isEqualTo(decision);
            mismatches += outcome.purchased() == labels[i] ? 0 : 1;
            positives += labels[i] ? 1 : 0;
        }
        System.out.printf("loop: %d outcomes, %d positive, %d labels differing from the offline attribution%n",
                events.size(), positives, mismatches);
        assertThat(positives).isPositive();
        assertThat(mismatches).isZero();
    }

    /**
     * The vector each decision logged against the offline replay of the same events: user and
     * session features exactly (each user's events arrive in order), item features as measured.
     */
    private static void checkVectors(Decisions decisions, List<ShopperEvent> events) {
        Map<String, List<Decision>> byEvent = decisions.byEvent();
        long userDiffering = 0;
        long itemDiffering = 0;
        int[] item = FeatureHarness.ITEM;
        long[] differing = new long[item.length];
        double[] largest = new double[item.length];
        for (FeatureVector expected : OfflineFeatureReplay.replay(events, FeatureSettings.defaults())) {
            double[] logged = byEvent.get(expected.eventId()).get(0).features();
            if (!FeatureHarness.agree(logged, expected.values(), FeatureHarness.USER_AND_SESSION, 1e-9)) {
                userDiffering++;
            }
            if (!FeatureHarness.agree(logged, expected.values(), item, 1e-9)) {
                itemDiffering++;
            }
            for (int k = 0; k < item.length; k++) {
                if (!FeatureHarness.agree(logged, expected.values(), new int[] {item[k]}, 1e-9)) {
                    differing[k]++;
                    largest[k] = Math.max(largest[k], Math.abs(logged[item[k]] - expected.values()[item[k]]));
                }
            }
        }
        StringBuilder perFeature = new StringBuilder();
        for (int k = 0; k < item.length; k++) {
            perFeature.append(String.format("; %s %.2f%% (largest %.3g)", FeatureSpec.current().names().get(item[k]),
                    100.0 * differing[k] / events.size(), largest[k]));
        }
        System.out.printf("loop: logged vectors vs the offline replay: user and session features differing beyond 1e-9"
                        + " relative: %d; item features differing: %d (%.2f%%)%s%n",
                userDiffering, itemDiffering, 100.0 * itemDiffering / events.size(), perFeature);
        assertThat(userDiffering).isZero();
    }

    /** The decisions read so far, indexed as the checks need them. */
    private static final class Decisions {
        private final ScoringStack.Tail tail;

        Decisions(ScoringStack.Tail tail) {
            this.tail = tail;
        }

        int subtasksDeciding(String eventPrefix) {
            return subtasksShowing(d -> d.eventId().startsWith(eventPrefix));
        }

        int subtasksShowing(Predicate<Decision> which) {
            Set<Integer> subtasks = new HashSet<>();
            for (Decision decision : tail.decisions()) {
                if (which.test(decision)) {
                    subtasks.add(scoringSubtaskOf(decision));
                }
            }
            return subtasks.size();
        }

        void awaitAll(List<ShopperEvent> events) throws InterruptedException {
            Set<String> wanted = new HashSet<>();
            events.forEach(event -> wanted.add(event.eventId()));
            int[] scanned = {0};
            await("a decision for each of " + events.size() + " events", () -> {
                List<Decision> all = tail.decisions();
                for (; scanned[0] < all.size(); scanned[0]++) {
                    wanted.remove(all.get(scanned[0]).eventId());
                }
                return wanted.isEmpty();
            });
        }

        Map<String, List<Decision>> byEvent() {
            Map<String, List<Decision>> byEvent = new HashMap<>();
            for (Decision decision : tail.decisions()) {
                byEvent.computeIfAbsent(decision.eventId(), id -> new ArrayList<>()).add(decision);
            }
            return byEvent;
        }

        Set<String> ids(List<ShopperEvent> events) {
            Map<String, List<Decision>> byEvent = byEvent();
            Set<String> ids = new HashSet<>();
            for (ShopperEvent event : events) {
                byEvent.getOrDefault(event.eventId(), List.of()).forEach(d -> ids.add(d.decisionId()));
            }
            return ids;
        }
    }
}
