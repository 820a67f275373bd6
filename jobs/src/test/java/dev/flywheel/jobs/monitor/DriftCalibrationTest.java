package dev.flywheel.jobs.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.events.ShopperEvent;
import dev.flywheel.health.ModelHealthReport.Drift;
import dev.flywheel.jobs.monitor.MatureShop.Row;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The drift thresholds' false-alarm rate on stationary windows of several sizes, and their power on
 * a shifted stream: the figures in docs/monitor.md's calibration table.
 *
 * <ul>
 *   <li><b>Reference draws</b>: independent values drawn from the trained model's own reference
 *       distributions (scores from its quantile function, features from its bins), in random
 *       groups; the reference is taken as exact here, so the rate should sit near the target,
 *       not below it;</li>
 *   <li><b>Stationary stream</b>: consecutive windows of the mature shop's events after training,
 *       scored by the model, grouped as the job groups them, through the same code the job runs
 *       ({@link ModelHealthFunction#driftSection});</li>
 *   <li><b>Shifted stream</b>: the same after a preference shift.</li>
 * </ul>
 *
 * For contrast, each table also shows what a fixed PSI threshold of 0.1 on the score and the plain
 * chi-square threshold (no design effect, no reference size, same Bonferroni split) would have
 * flagged. A window is flagged when its score or any of its features is.
 */
class DriftCalibrationTest {
    private static final int[] SIZES = {200, 1_000, 5_000, 20_000};
    private static final MonitorSettings SETTINGS = MonitorSettings.defaults(Duration.ofMinutes(10));
    private static final double ALPHA = SETTINGS.driftFalseAlarmRate();

    private static MatureShop shop;
    private static VersionReference reference;

    @BeforeAll
    static void shop() {
        shop = MatureShop.get();
        reference = VersionReference.of(shop.model.descriptor());
    }

    @Test
    void stationaryWindowsOfEverySizeRaiseAtMostOnePercentFalseAlarms() {
        StringBuilder table = new StringBuilder(String.format("%n| stream | window (values) | windows | flagged"
                + " (score / any feature / window) | window rate | PSI > 0.1 on the score | plain chi-square,"
                + " window rate |%n|---|---|---|---|---|---|---|%n"));
        SplittableRandom random = new SplittableRandom(2026);
        for (int size : SIZES) {
            int windows = size <= 1_000 ? 1_000 : size == 5_000 ? 400 : 150;
            Counts counts = new Counts();
            for (int w = 0; w < windows; w++) {
                counts.add(referenceDraws(random, size));
            }
            table.append(counts.row("reference draws", size));
            // Independent draws: at most the target (binomial slack of three standard deviations).
            assertThat(counts.flagged).as("reference draws, %d values", size)
                    .isLessThanOrEqualTo((int) Math.ceil(windows * ALPHA + 3 * Math.sqrt(windows * ALPHA)));
        }
        for (int size : SIZES) {
            Counts counts = new Counts();
            java.util.Map<String, Integer> byFeature = new java.util.TreeMap<>();
            for (List<Row> window : chunks(shop.stationary, size)) {
                Flags flags = streamWindow(window);
                counts.add(flags);
                flags.drift().driftedFeatures().forEach(f -> byFeature.merge(f, 1, Integer::sum));
            }
            System.out.println("stationary stream, " + size + " values: windows flagged per feature " + byFeature);
            table.append(counts.row("stationary stream", size));
            int allowed = (int) Math.floor(counts.windows * ALPHA + 2 * Math.sqrt(counts.windows * ALPHA));
            assertThat(counts.flagged).as("stationary stream, %d values, %d windows", size, counts.windows)
                    .isLessThanOrEqualTo(allowed);
            if (size <= 1_000) {
                // What the corrections are for: without them most stationary windows would fire.
                assertThat(counts.plainFlagged).isGreaterThan(counts.windows / 2);
            }
        }
        System.out.print(table);
        assertThat(chunks(shop.stationary, 20_000)).hasSizeGreaterThanOrEqualTo(8);
    }

    @Test
    void aShiftedStreamIsDetected() {
        StringBuilder table = new StringBuilder(String.format("%n| stream | window (values) | windows | flagged"
                + " (score / any feature / window) | window rate | top feature |%n|---|---|---|---|---|---|%n"));
        // Sessions that began before the shift go on for up to half an hour; skip them.
        List<Row> shifted = shop.drifted.stream().filter(r -> r.event().ts() >= shop.shiftAt + 1_800_000).toList();
        for (int size : SIZES) {
            Counts counts = new Counts();
            java.util.Map<String, Integer> features = new java.util.TreeMap<>();
            for (List<Row> window : chunks(shifted, size)) {
                Drift drift = streamWindow(window).drift();
                counts.add(streamWindow(window));
                drift.driftedFeatures().forEach(f -> features.merge(f, 1, Integer::sum));
            }
            String top = features.entrySet().stream().max(java.util.Map.Entry.comparingByValue())
                    .map(e -> e.getKey() + " (" + e.getValue() + ")").orElse("none");
            table.append(String.format("| shifted stream | %,d | %,d | %d / %d / %d | %.1f%% | %s |%n", size,
                    counts.windows, counts.scoreFlagged, counts.featureFlagged, counts.flagged,
                    100.0 * counts.flagged / counts.windows, top));
            if (size >= 1_000) {
                assertThat(counts.flagged).as("shifted stream, %d values", size)
                        .isGreaterThanOrEqualTo((int) Math.ceil(counts.windows * 0.9));
            }
        }
        System.out.print(table);
    }

    /** What one window's tests said. */
    private record Flags(Drift drift, boolean fixedPsi, boolean plain) {
    }

    private static final class Counts {
        int windows;
        int scoreFlagged;
        int featureFlagged;
        int flagged;
        int fixedPsiFlagged;
        int plainFlagged;

        void add(Flags flags) {
            windows++;
            Drift drift = flags.drift();
            scoreFlagged += drift.score() != null && drift.score().drifted() ? 1 : 0;
            featureFlagged += drift.driftedFeatures().isEmpty() ? 0 : 1;
            flagged += drift.drifted() ? 1 : 0;
            fixedPsiFlagged += flags.fixedPsi() ? 1 : 0;
            plainFlagged += flags.plain() ? 1 : 0;
        }

        String row(String stream, int size) {
            return String.format("| %s | %,d | %,d | %d / %d / %d | %.2f%% | %.1f%% | %.1f%% |%n", stream, size, windows,
                    scoreFlagged, featureFlagged, flagged, 100.0 * flagged / windows, 100.0 * fixedPsiFlagged / windows,
                    100.0 * plainFlagged / windows);
        }
    }

    /** Consecutive windows of {@code size} rows in event-time order; a short tail is dropped. */
    private static List<List<Row>> chunks(List<Row> rows, int size) {
        List<List<Row>> chunks = new ArrayList<>();
        for (int from = 0; from + size <= rows.size(); from += size) {
            chunks.add(rows.subList(from, from + size));
        }
        return chunks;
    }

    /** A window of the stream, binned per user group as the group stage bins it, tested as the model stage tests it. */
    private static Flags streamWindow(List<Row> rows) {
        int width = reference.width();
        int[][] counters = new int[Groups.USER_GROUPS][Groups.ITEM_GROUPS * width];
        long[] perGroup = new long[Groups.USER_GROUPS];
        for (Row row : rows) {
            ShopperEvent event = row.event();
            int user = Groups.userGroup(event.userId());
            String item = event instanceof ShopperEvent.ItemEvent itemEvent ? itemEvent.itemId() : null;
            reference.count(row.score(), row.features(), counters[user], Groups.itemGroup(item, event.userId()) * width);
            perGroup[user]++;
        }
        List<WindowPartial> partials = new ArrayList<>();
        for (int g = 0; g < Groups.USER_GROUPS; g++) {
            if (perGroup[g] > 0) {
                partials.add(new WindowPartial(MatureShop.MODEL, 1, g, 0, false, perGroup[g],
                        new long[] {perGroup[g], 0, 0, 0}, width, reference.sha256(), counters[g], new double[0],
                        new boolean[0], new byte[0]));
            }
        }
        Drift drift = ModelHealthFunction.driftSection(SETTINGS, reference, partials).drift();
        return new Flags(drift, drift.score().psi() > 0.1, plainChiSquare(counters));
    }

    /** The same window with every value in one cell and the references taken as exact: no corrections. */
    private static boolean plainChiSquare(int[][] counters) {
        int width = reference.width();
        long[] total = new long[width];
        for (int[] group : counters) {
            for (int i = 0; i < group.length; i++) {
                total[i % width] += group[i];
            }
        }
        int features = reference.featureCount();
        if (plainTest(exact(reference.score()), total, 0, ALPHA / 2)) {
            return true;
        }
        for (int f = 0; f < features; f++) {
            if (plainTest(exact(reference.featureBins(f)), total, reference.offset(f + 1), ALPHA / 2 / features)) {
                return true;
            }
        }
        return false;
    }

    private static boolean plainTest(ReferenceBins bins, long[] total, int offset, double alpha) {
        long[][][] one = new long[1][1][bins.bins()];
        System.arraycopy(total, offset, one[0][0], 0, bins.bins());
        return DriftTest.test(bins, one, alpha, SETTINGS.minDecisions()).drifted();
    }

    private static ReferenceBins exact(ReferenceBins bins) {
        return new ReferenceBins(bins.edges(), bins.fractions(), 0);
    }

    /** Independent draws from the reference distributions, in random groups, the reference taken as exact. */
    private static Flags referenceDraws(SplittableRandom random, int size) {
        int features = reference.featureCount();
        ReferenceBins score = exact(reference.score());
        long[][][] scoreCounts = new long[Groups.USER_GROUPS][Groups.ITEM_GROUPS][score.bins()];
        long[][] scoreTotal = new long[1][score.bins()];
        List<Double> quantiles = shop.model.descriptor().reference().scoreQuantiles();
        for (int i = 0; i < size; i++) {
            // The quantile function interpolates linearly: a uniform level gives a value from the reference.
            double level = random.nextDouble() * (quantiles.size() - 1);
            int below = Math.min((int) level, quantiles.size() - 2);
            double value = quantiles.get(below) + (level - below) * (quantiles.get(below + 1) - quantiles.get(below));
            int bin = score.binOf(value);
            scoreCounts[random.nextInt(Groups.USER_GROUPS)][random.nextInt(Groups.ITEM_GROUPS)][bin]++;
            scoreTotal[0][bin]++;
        }
        DriftStatistic scoreTest = DriftTest.test(score, scoreCounts, ALPHA / 2, SETTINGS.minDecisions());
        boolean plain = DriftTest.test(score, new long[][][] {scoreTotal}, ALPHA / 2, SETTINGS.minDecisions()).drifted();
        List<String> drifted = new ArrayList<>();
        for (int f = 0; f < features; f++) {
            ReferenceBins bins = exact(reference.featureBins(f));
            long[][][] counts = new long[Groups.USER_GROUPS][Groups.ITEM_GROUPS][bins.bins()];
            long[][] total = new long[1][bins.bins()];
            double[] fractions = bins.fractions();
            for (int i = 0; i < size; i++) {
                double u = random.nextDouble();
                int bin = 0;
                while (bin < fractions.length - 1 && u >= fractions[bin]) {
                    u -= fractions[bin];
                    bin++;
                }
                counts[random.nextInt(Groups.USER_GROUPS)][random.nextInt(Groups.ITEM_GROUPS)][bin]++;
                total[0][bin]++;
            }
            if (DriftTest.test(bins, counts, ALPHA / 2 / features, SETTINGS.minDecisions()).drifted()) {
                drifted.add(reference.feature(f));
            }
            plain |= DriftTest.test(bins, new long[][][] {total}, ALPHA / 2 / features, SETTINGS.minDecisions()).drifted();
        }
        var scoreFigures = new dev.flywheel.health.ModelHealthReport.DriftFigures(scoreTest.count(), scoreTest.bins(),
                scoreTest.psi(), scoreTest.threshold(), scoreTest.pValue(), scoreTest.designEffect(), scoreTest.drifted());
        Drift drift = new Drift(ALPHA, true, scoreFigures, java.util.Map.of(), drifted,
                scoreTest.drifted() || !drifted.isEmpty());
        return new Flags(drift, scoreTest.psi() > 0.1, plain);
    }
}
