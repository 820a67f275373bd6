package dev.flywheel.trainer.evaluation;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/** Scores of a probabilistic binary classifier against realized 0/1 labels. */
public final class BinaryMetrics {
    /** Log loss clips probabilities here so that one confident mistake costs a finite amount. */
    public static final double LOG_LOSS_EPSILON = 1e-15;

    private BinaryMetrics() {
    }

    /**
     * Area under the ROC curve as the Mann-Whitney statistic: the chance that a random positive
     * scores above a random negative, ties counting one half (mid-ranks). Ties matter here because
     * the simulator's truth takes the same value for every event of a session.
     *
     * @return NaN when the labels hold only one class, where AUC is undefined
     */
    public static double auc(double[] scores, boolean[] labels) {
        requireSameLength(scores, labels);
        int n = scores.length;
        Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> scores[i]));
        double positiveRankSum = 0;
        long positives = 0;
        int start = 0;
        while (start < n) {
            int end = start;
            while (end + 1 < n && scores[order[end + 1]] == scores[order[start]]) {
                end++;
            }
            double midRank = (start + end) / 2.0 + 1;
            for (int k = start; k <= end; k++) {
                if (labels[order[k]]) {
                    positiveRankSum += midRank;
                    positives++;
                }
            }
            start = end + 1;
        }
        long negatives = n - positives;
        if (positives == 0 || negatives == 0) {
            return Double.NaN;
        }
        return (positiveRankSum - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
    }

    /**
     * Mean negative log-likelihood (natural log) of the labels. The probability given to what happened
     * is clipped below at {@link #LOG_LOSS_EPSILON}.
     */
    public static double logLoss(double[] probabilities, boolean[] labels) {
        requireSameLength(probabilities, labels);
        double sum = 0;
        for (int i = 0; i < probabilities.length; i++) {
            double ofWhatHappened = labels[i] ? probabilities[i] : 1 - probabilities[i];
            sum -= Math.log(Math.max(LOG_LOSS_EPSILON, ofWhatHappened));
        }
        return sum / probabilities.length;
    }

    /** Mean squared difference between probability and label. */
    public static double brier(double[] probabilities, boolean[] labels) {
        requireSameLength(probabilities, labels);
        double sum = 0;
        for (int i = 0; i < probabilities.length; i++) {
            double error = probabilities[i] - (labels[i] ? 1 : 0);
            sum += error * error;
        }
        return sum / probabilities.length;
    }

    static void requireSameLength(double[] scores, boolean[] labels) {
        if (scores.length != labels.length) {
            throw new IllegalArgumentException(scores.length + " scores but " + labels.length + " labels");
        }
        if (scores.length == 0) {
            throw new IllegalArgumentException("no examples to evaluate");
        }
    }
}
