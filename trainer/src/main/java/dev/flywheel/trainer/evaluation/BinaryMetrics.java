package dev.flywheel.trainer.evaluation;

import java.util.Arrays;

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
        int positives = 0;
        for (boolean label : labels) {
            positives += label ? 1 : 0;
        }
        int negatives = labels.length - positives;
        if (positives == 0 || negatives == 0) {
            return Double.NaN;
        }
        double[] positive = new double[positives];
        double[] negative = new double[negatives];
        for (int i = 0, p = 0, q = 0; i < scores.length; i++) {
            if (labels[i]) {
                positive[p++] = scores[i];
            } else {
                negative[q++] = scores[i];
            }
        }
        // Primitive sorts and one merge: the same count as mid-ranks, fast enough to rank every feature.
        Arrays.sort(positive);
        Arrays.sort(negative);
        double pairsWon = 0;
        int below = 0;
        int belowOrTied = 0;
        for (double score : positive) {
            while (below < negatives && Double.compare(negative[below], score) < 0) {
                below++;
            }
            belowOrTied = Math.max(belowOrTied, below);
            while (belowOrTied < negatives && Double.compare(negative[belowOrTied], score) <= 0) {
                belowOrTied++;
            }
            pairsWon += below + (belowOrTied - below) / 2.0;
        }
        return pairsWon / ((double) positives * negatives);
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
