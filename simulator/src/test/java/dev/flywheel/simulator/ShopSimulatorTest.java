package dev.flywheel.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.events.EventCodec;
import dev.flywheel.events.EventType;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.outcomes.Attribution;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ShopSimulatorTest {
    private static final int CALIBRATION_EVENTS = 200_000;
    private static List<SimulatedEvent> stream;
    private static SimulationStats stats;

    @BeforeAll
    static void simulate() {
        ShopSimulator simulator = new ShopSimulator(SimulatorConfig.defaults(7));
        stream = simulator.take(CALIBRATION_EVENTS);
        stats = simulator.stats();
    }

    @Test
    void sameSeedGivesTheSameBytesAndAnotherSeedDoesNot() {
        EventCodec codec = new EventCodec();
        List<byte[]> first = json(codec, 11, 50_000);
        List<byte[]> second = json(codec, 11, 50_000);
        List<byte[]> otherSeed = json(codec, 12, 50_000);

        for (int i = 0; i < first.size(); i++) {
            assertThat(second.get(i)).as("record %d", i).isEqualTo(first.get(i));
        }
        long differing = 0;
        for (int i = 0; i < first.size(); i++) {
            differing += Arrays.equals(first.get(i), otherSeed.get(i)) ? 0 : 1;
        }
        assertThat(differing).isEqualTo(first.size());
        assertThat(new String(first.get(0))).contains("\"sim-11-1\"");
    }

    private static List<byte[]> json(EventCodec codec, long seed, int count) {
        ShopSimulator simulator = new ShopSimulator(SimulatorConfig.defaults(seed));
        List<byte[]> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            records.add(codec.encode(simulator.next().event()));
        }
        return records;
    }

    @Test
    void eventsComeInEventTimeOrderWithUniqueIds() {
        Set<String> ids = new HashSet<>();
        long previous = Long.MIN_VALUE;
        for (SimulatedEvent simulated : stream) {
            assertThat(simulated.event().ts()).isGreaterThanOrEqualTo(previous);
            previous = simulated.event().ts();
            ids.add(simulated.event().eventId());
        }
        assertThat(ids).hasSize(stream.size());
        assertThat(stream.get(0).event().ts()).isGreaterThanOrEqualTo(SimulatorConfig.DEFAULT_START_EPOCH_MS);
    }

    @Test
    void sessionsOfOneUserAreSeparatedByMoreThanThirtyMinutesAndNeverInterleave() {
        Map<String, ShopperEvent> lastByUser = new HashMap<>();
        Set<String> finishedSessions = new HashSet<>();
        int sessionChanges = 0;
        for (SimulatedEvent simulated : stream) {
            ShopperEvent event = simulated.event();
            ShopperEvent last = lastByUser.put(event.userId(), event);
            if (last == null) {
                continue;
            }
            long gap = event.ts() - last.ts();
            if (last.sessionId().equals(event.sessionId())) {
                assertThat(gap).as("gap inside session %s", event.sessionId()).isLessThan(SessionPlanner.WINDOW_MS);
            } else {
                sessionChanges++;
                assertThat(gap).as("gap between sessions of %s", event.userId()).isGreaterThan(SessionPlanner.WINDOW_MS);
                finishedSessions.add(last.sessionId());
                assertThat(finishedSessions).doesNotContain(event.sessionId());
            }
        }
        assertThat(sessionChanges).as("users with more than one session").isGreaterThan(100);
    }

    @Test
    void everyItemEventHasAPriceAndEveryOrderItsOwnSessionEnd() {
        Map<String, String> sessionOfOrder = new HashMap<>();
        Map<String, Long> tsOfOrder = new HashMap<>();
        for (SimulatedEvent simulated : stream) {
            if (simulated.event() instanceof ShopperEvent.ItemEvent item) {
                assertThat(item.price()).as(item.toString()).isNotNull().isPositive();
            }
            if (simulated.event() instanceof ShopperEvent.Purchase purchase) {
                assertThat(sessionOfOrder.putIfAbsent(purchase.orderId(), purchase.sessionId()))
                        .isIn(null, purchase.sessionId());
                assertThat(tsOfOrder.putIfAbsent(purchase.orderId(), purchase.ts())).isIn(null, purchase.ts());
                assertThat(simulated.buyProbability30m()).isZero();
            }
        }
        assertThat(sessionOfOrder).hasSize((int) stats.orders());
    }

    @Test
    void statsCountWhatWasEmitted() {
        Map<EventType, Long> counted = new EnumMap<>(EventType.class);
        long revenueCents = 0;
        Set<String> sessions = new HashSet<>();
        for (SimulatedEvent simulated : stream) {
            counted.merge(simulated.event().type(), 1L, Long::sum);
            sessions.add(simulated.event().sessionId());
            if (simulated.event() instanceof ShopperEvent.Purchase p) {
                revenueCents += Math.round(p.price() * 100) * p.quantity();
            }
        }
        for (EventType type : EventType.values()) {
            assertThat(stats.count(type)).as(type.name()).isEqualTo(counted.getOrDefault(type, 0L));
        }
        assertThat(stats.events()).isEqualTo(CALIBRATION_EVENTS);
        assertThat(stats.sessions()).isEqualTo(sessions.size());
        assertThat(stats.revenueCents()).isEqualTo(revenueCents);
        // Every type of the contract occurs, returns included.
        assertThat(counted).doesNotContainValue(0L).hasSize(EventType.values().length);
    }

    @Test
    void groundTruthIsCalibratedAgainstRealizedPurchases() {
        boolean[] labels = Attribution.defaults().labels(stream.stream().map(SimulatedEvent::event).toList());
        long censoredFrom = stream.get(stream.size() - 1).event().ts() - SessionPlanner.WINDOW_MS;
        double[] edges = {0, 1e-9, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 1.0000001};
        int bins = edges.length - 1;
        double[] truthSum = new double[bins];
        long[] positives = new long[bins];
        long[] counts = new long[bins];
        List<Double> scores = new ArrayList<>();
        List<Boolean> outcomes = new ArrayList<>();
        for (int i = 0; i < stream.size(); i++) {
            if (stream.get(i).event().ts() >= censoredFrom) {
                continue;
            }
            double truth = stream.get(i).buyProbability30m();
            int bin = 0;
            while (truth >= edges[bin + 1]) {
                bin++;
            }
            truthSum[bin] += truth;
            positives[bin] += labels[i] ? 1 : 0;
            counts[bin]++;
            scores.add(truth);
            outcomes.add(labels[i]);
        }
        System.out.println("calibration of buyProbability30m on " + scores.size() + " events:");
        for (int bin = 0; bin < bins; bin++) {
            double meanTruth = truthSum[bin] / counts[bin];
            double realized = (double) positives[bin] / counts[bin];
            double standardError = Math.sqrt(Math.max(meanTruth * (1 - meanTruth), 1e-4) / counts[bin]);
            System.out.printf("  [%.2f, %.2f) n=%6d truth=%.4f realized=%.4f%n",
                    edges[bin], Math.min(1, edges[bin + 1]), counts[bin], meanTruth, realized);
            assertThat(counts[bin]).as("events in bin %d", bin).isGreaterThan(500);
            // Events of one session share their truth, so allow for clustering on top of 4 binomial errors.
            assertThat(realized).as("realized rate in bin %d", bin)
                    .isCloseTo(meanTruth, org.assertj.core.data.Offset.offset(4 * standardError + 0.02));
        }
        assertThat(positives[0]).as("purchases after a zero-truth event").isZero();

        double auc = auc(scores, outcomes);
        System.out.printf("best achievable AUC (truth vs realized label): %.4f%n", auc);
        assertThat(auc).isBetween(0.6, 0.99);
    }

    /** Mann-Whitney AUC with mid-ranks for ties (the truth has many exact ties). */
    static double auc(List<Double> scores, List<Boolean> labels) {
        Integer[] order = new Integer[scores.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(scores.get(a), scores.get(b)));
        double positiveRankSum = 0;
        long positives = 0;
        int i = 0;
        while (i < order.length) {
            int j = i;
            while (j < order.length && scores.get(order[j]).equals(scores.get(order[i]))) {
                j++;
            }
            double midRank = (i + 1 + j) / 2.0;
            for (int k = i; k < j; k++) {
                if (labels.get(order[k])) {
                    positiveRankSum += midRank;
                    positives++;
                }
            }
            i = j;
        }
        long negatives = order.length - positives;
        return (positiveRankSum - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
    }
}
