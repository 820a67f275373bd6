package dev.flywheel.jobs.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LiveQualityTest {

    @Test
    void aucEqualsTheShareOfPositiveNegativePairsInOrderTiesCountingHalf() {
        SplittableRandom random = new SplittableRandom(3);
        for (int round = 0; round < 20; round++) {
            int n = 50 + random.nextInt(400);
            double[] scores = new double[n];
            boolean[] labels = new boolean[n];
            int[] clusters = new int[n];
            for (int i = 0; i < n; i++) {
                // Few distinct scores, so ties are common, as with float scores of similar events.
                scores[i] = random.nextInt(round % 2 == 0 ? 8 : 1000) / 8.0;
                labels[i] = random.nextDouble() < 0.2 + 0.05 * scores[i];
                clusters[i] = random.nextInt(Groups.USER_GROUPS);
            }
            double pairs = 0;
            double inOrder = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    if (labels[i] && !labels[j]) {
                        pairs++;
                        inOrder += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
                    }
                }
            }
            LiveQuality.Result result = LiveQuality.of(scores, labels, clusters, Groups.USER_GROUPS);
            assertThat(result.auc()).as("round %d", round).isCloseTo(inOrder / pairs, within(1e-12));
        }
    }

    @Test
    void logLossBrierCalibrationAndRate() {
        double[] scores = {0.1, 0.1, 0.35, 0.8, 0.95, 1.0};
        boolean[] labels = {false, true, false, true, true, false};
        LiveQuality.Result result = LiveQuality.of(scores, labels, new int[6], 1);
        double logLoss = -(Math.log(0.9) + Math.log(0.1) + Math.log(0.65) + Math.log(0.8) + Math.log(0.95)
                + Math.log(LiveQuality.LOG_LOSS_EPSILON)) / 6;
        assertThat(result.logLoss()).isCloseTo(logLoss, within(1e-12));
        assertThat(result.brier()).isCloseTo((0.01 + 0.81 + 0.1225 + 0.04 + 0.0025 + 1.0) / 6, within(1e-12));
        // Bins: [0.1, 0.2) 2 outcomes, mean 0.1, rate 0.5; [0.3, 0.4) 0.35 vs 0; [0.8, 0.9) 0.8 vs 1;
        // [0.9, 1.0] 0.975 vs 0.5.
        double calibration = (2 * 0.4 + 0.35 + 0.2 + 2 * 0.475) / 6;
        assertThat(result.calibrationError()).isCloseTo(calibration, within(1e-12));
        assertThat(result.positiveRate()).isEqualTo(0.5);
        assertThat(Double.isNaN(result.aucVariance())).as("one cluster: no variance").isTrue();
        assertThat(LiveQuality.of(new double[] {0.2}, new boolean[] {true}, new int[1], 1).auc()).isNaN();
    }

    /**
     * Sessions of 6 events sharing one label and close scores: the clustered standard error must
     * match the AUC's real spread over repeated windows, where Hanley-McNeil's, which assumes
     * independent outcomes, comes out too small.
     */
    @Test
    void theClusteredVarianceMatchesTheSpreadOfRepeatedWindows() {
        SplittableRandom random = new SplittableRandom(11);
        int windows = 400;
        double[] aucs = new double[windows];
        double clustered = 0;
        double independent = 0;
        for (int w = 0; w < windows; w++) {
            int sessions = 150;
            int size = 6;
            double[] scores = new double[sessions * size];
            boolean[] labels = new boolean[scores.length];
            int[] clusters = new int[scores.length];
            for (int s = 0; s < sessions; s++) {
                double intent = random.nextGaussian();
                boolean bought = random.nextDouble() < 1 / (1 + Math.exp(-(intent * 1.2 - 1.5)));
                int group = random.nextInt(Groups.USER_GROUPS);
                for (int e = 0; e < size; e++) {
                    int i = s * size + e;
                    scores[i] = 1 / (1 + Math.exp(-(intent + 0.5 * random.nextGaussian() - 1.5)));
                    labels[i] = bought;
                    clusters[i] = group;
                }
            }
            LiveQuality.Result result = LiveQuality.of(scores, labels, clusters, Groups.USER_GROUPS);
            aucs[w] = result.auc();
            clustered += result.aucVariance();
            independent += result.independentAucVariance();
        }
        double mean = 0;
        for (double auc : aucs) {
            mean += auc / windows;
        }
        double spread = 0;
        for (double auc : aucs) {
            spread += (auc - mean) * (auc - mean) / (windows - 1);
        }
        clustered /= windows;
        independent /= windows;
        System.out.printf("AUC over %d windows of 150 sessions x 6 events: variance %.3g, clustered estimate %.3g,"
                + " independent (Hanley-McNeil) %.3g%n", windows, spread, clustered, independent);
        assertThat(clustered / spread).isBetween(0.75, 1.35);
        assertThat(independent / spread).isLessThan(0.5);
    }
}
