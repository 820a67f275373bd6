package dev.flywheel.jobs.monitor;

import static dev.flywheel.jobs.monitor.MonitorHarness.champion;
import static dev.flywheel.jobs.monitor.MonitorHarness.drain;
import static dev.flywheel.jobs.monitor.MonitorHarness.feed;
import static dev.flywheel.jobs.monitor.MonitorHarness.groupStage;
import static dev.flywheel.jobs.monitor.MonitorHarness.inStreamOrder;
import static dev.flywheel.jobs.monitor.MonitorHarness.keyedStateEntries;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.features.FeatureSpec;
import dev.flywheel.jobs.monitor.MatureShop.Row;
import dev.flywheel.models.FeatureBins;
import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.trainer.references.FeatureHistogram;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GroupWindowFunctionTest {
    private static final MonitorSettings SETTINGS = MonitorSettings.defaults(Duration.ofMinutes(10));
    private static final long WINDOW = SETTINGS.windowMs();

    private static ModelDescriptor descriptor;
    private static List<Row> rows;

    @BeforeAll
    static void shop() {
        MatureShop shop = MatureShop.get();
        descriptor = shop.model.descriptor().withVersion(1);
        rows = shop.stationary.subList(0, 3_000);
    }

    @Test
    void eachWindowsDecisionsAreCountedOnceAndBinnedAsTheTrainerBinsThem() throws Exception {
        List<Observation> observations = new ArrayList<>(champion(rows, 1));
        // The at-least-once decisions topic holds some twice.
        List<Observation> decisions = observations.stream().filter(o -> !o.outcome()).toList();
        for (int i = 0; i < decisions.size(); i += 7) {
            observations.add(decisions.get(i));
        }
        var harness = groupStage(SETTINGS, null);
        harness.processBroadcastElement(MonitorHarness.references(descriptor), 0);
        List<Observation> ordered = inStreamOrder(observations);
        feed(harness, ordered, 0, ordered.size());
        harness.processWatermark(new Watermark(Long.MAX_VALUE));

        List<WindowPartial> partials = harness.extractOutputValues();
        List<WindowPartial> drift = partials.stream().filter(p -> !p.quality()).toList();
        // Expected, independently: per window and user group, the decisions' bins by the trainer's
        // own edge rule (FeatureHistogram.binOf) on the descriptor's edges.
        Map<String, long[]> expected = new HashMap<>();
        Map<String, Long> expectedCounts = new HashMap<>();
        VersionReference reference = VersionReference.of(descriptor);
        List<String> spec = FeatureSpec.current().names();
        for (Row row : rows) {
            String key = SETTINGS.windowStart(row.event().ts()) + "/" + Groups.userGroup(row.event().userId());
            expectedCounts.merge(key, 1L, Long::sum);
            long[] bins = expected.computeIfAbsent(key, k -> new long[reference.width()]);
            double[] scoreEdges = reference.score().edges();
            bins[FeatureHistogram.binOf(scoreEdges, row.score())]++;
            for (int f = 0; f < reference.featureCount(); f++) {
                FeatureBins featureBins = descriptor.reference().featureBins().get(reference.feature(f));
                double[] edges = featureBins.edges().stream().mapToDouble(Double::doubleValue).toArray();
                double value = row.features()[spec.indexOf(reference.feature(f))];
                bins[reference.offset(f + 1) + FeatureHistogram.binOf(edges, value)]++;
            }
        }
        assertThat(drift).hasSize(expected.size());
        for (WindowPartial partial : drift) {
            String key = partial.windowStart() + "/" + partial.userGroup();
            assertThat(partial.count()).as(key).isEqualTo(expectedCounts.get(key));
            assertThat(partial.roleCounts()[Observation.CHAMPION]).isEqualTo(partial.count());
            long[] summed = new long[reference.width()];
            for (int i = 0; i < partial.counters().length; i++) {
                summed[i % reference.width()] += partial.counters()[i];
            }
            assertThat(summed).as(key).containsExactly(expected.get(key));
        }
        assertThat(harness.getOperator().getMetricGroup()).isNotNull();
        // Every window closed: nothing is left, no timer waits.
        assertThat(keyedStateEntries(harness)).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void outcomesLeaveAnAttributionWindowAfterTheirDecisions() throws Exception {
        var harness = groupStage(SETTINGS, null);
        harness.processBroadcastElement(MonitorHarness.references(descriptor), 0);
        long firstWindow = SETTINGS.windowStart(rows.get(0).event().ts());
        List<Row> window = rows.stream().filter(r -> SETTINGS.windowStart(r.event().ts()) == firstWindow).toList();
        List<Observation> ordered = inStreamOrder(champion(window, 1));
        for (Observation observation : ordered) {
            harness.processElement(observation, observation.timestamp());
        }
        Set<String> keys = new HashSet<>();
        window.forEach(r -> keys.add(Groups.userGroup(r.event().userId()) + ""));
        // One timer per key for the decisions, one for the outcomes.
        assertThat(harness.numEventTimeTimers()).isEqualTo(2 * keys.size());

        harness.processWatermark(new Watermark(SETTINGS.driftCloses(firstWindow)));
        List<WindowPartial> atEnd = harness.extractOutputValues();
        assertThat(atEnd).isNotEmpty().allMatch(p -> !p.quality());
        assertThat(atEnd.stream().mapToLong(WindowPartial::count).sum()).isEqualTo(window.size());
        assertThat(harness.numEventTimeTimers()).isEqualTo(keys.size());

        harness.processWatermark(new Watermark(SETTINGS.qualityCloses(firstWindow) - 1));
        assertThat(harness.extractOutputValues()).hasSameSizeAs(atEnd);
        harness.processWatermark(new Watermark(SETTINGS.qualityCloses(firstWindow)));
        List<WindowPartial> outcomes = harness.extractOutputValues().stream().filter(WindowPartial::quality).toList();
        assertThat(outcomes.stream().mapToLong(WindowPartial::count).sum()).isEqualTo(window.size());
        long positives = outcomes.stream().mapToLong(p -> countTrue(p.labels())).sum();
        assertThat(positives).isEqualTo(window.stream().filter(Row::purchased).count());
        double scoreSum = outcomes.stream().flatMapToDouble(p -> java.util.Arrays.stream(p.scores())).sum();
        assertThat(scoreSum).isCloseTo(window.stream().mapToDouble(Row::score).sum(), org.assertj.core.api.Assertions.within(1e-9));
        assertThat(keyedStateEntries(harness)).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void recordsForAClosedWindowAreCountedAsLateAndLeaveNoState() throws Exception {
        var harness = groupStage(SETTINGS, null);
        Row row = rows.get(0);
        long windowStart = SETTINGS.windowStart(row.event().ts());
        harness.processWatermark(new Watermark(SETTINGS.qualityCloses(windowStart)));
        for (Observation observation : champion(List.of(row), 1)) {
            harness.processElement(observation, observation.timestamp());
        }
        assertThat(harness.extractOutputValues()).isEmpty();
        assertThat(keyedStateEntries(harness)).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void aVersionWithoutAKnownReferenceIsCountedButNotBinned() throws Exception {
        var harness = groupStage(SETTINGS, null);
        List<Observation> ordered = inStreamOrder(champion(rows.subList(0, 500), 7));
        feed(harness, ordered, 0, ordered.size());
        harness.processWatermark(new Watermark(Long.MAX_VALUE));
        List<WindowPartial> drift = harness.extractOutputValues().stream().filter(p -> !p.quality()).toList();
        assertThat(drift.stream().mapToLong(WindowPartial::count).sum()).isEqualTo(500);
        assertThat(drift).allMatch(p -> p.width() == 0 && p.counters().length == 0);
    }

    @Test
    void snapshotAndRestoreMidStreamGiveTheSameOutput() throws Exception {
        List<Observation> ordered = inStreamOrder(champion(rows, 1));
        var straight = groupStage(SETTINGS, null);
        straight.processBroadcastElement(MonitorHarness.references(descriptor), 0);
        feed(straight, ordered, 0, ordered.size());
        straight.processWatermark(new Watermark(Long.MAX_VALUE));
        List<Object> expected = drain(straight);

        var before = groupStage(SETTINGS, null);
        before.processBroadcastElement(MonitorHarness.references(descriptor), 0);
        int half = ordered.size() / 2;
        feed(before, ordered, 0, half);
        OperatorSubtaskState snapshot = before.snapshot(1, 1);
        List<Object> output = new ArrayList<>(drain(before));
        before.close();

        // The restored stage has the descriptors from broadcast state, without a new model-updates record.
        KeyedBroadcastOperatorTestHarness<String, Observation, ModelReferences, WindowPartial> after =
                groupStage(SETTINGS, snapshot);
        feed(after, ordered, half, ordered.size());
        after.processWatermark(new Watermark(Long.MAX_VALUE));
        output.addAll(drain(after));

        assertThat(records(output)).hasSizeGreaterThan(100).containsExactlyInAnyOrderElementsOf(records(expected));
        assertThat(keyedStateEntries(after)).isZero();
    }

    /**
     * Emitted partials as comparable text: timestamp and every field; a window's outcomes sorted,
     * since a map state's iteration order is not part of the contract.
     */
    private static List<String> records(List<Object> elements) {
        return elements.stream().filter(e -> e instanceof StreamRecord<?>).map(e -> {
            StreamRecord<?> record = (StreamRecord<?>) e;
            WindowPartial p = (WindowPartial) record.getValue();
            List<String> outcomes = new ArrayList<>();
            for (int i = 0; i < p.scores().length; i++) {
                outcomes.add(p.scores()[i] + ":" + p.labels()[i] + ":" + p.roles()[i]);
            }
            outcomes.sort(null);
            return record.getTimestamp() + " " + p.model() + " v" + p.version() + " g" + p.userGroup() + " w"
                    + p.windowStart() + " " + p.quality() + " " + p.count() + " " + java.util.Arrays.toString(p.roleCounts())
                    + " " + p.width() + " " + p.sha256() + " " + java.util.Arrays.toString(p.counters()) + " " + outcomes;
        }).toList();
    }

    private static long countTrue(boolean[] values) {
        long count = 0;
        for (boolean value : values) {
            count += value ? 1 : 0;
        }
        return count;
    }
}
