package dev.flywheel.trainer.dataset;

import java.time.Duration;
import java.util.Objects;

/**
 * How labelled examples are cut into a training part and a later holdout, and how much each part
 * must hold for a run to mean something. A short export needs a short label window and purge: a
 * 30-minute purge and a 30-minute censored tail cost an hour, all of a 3-hour file's holdout.
 *
 * @param holdoutFraction share of the examples, latest first, at or after the cut
 * @param labelWindow     how far a label looks ahead: the holdout drops its last window (censored labels)
 * @param purge           training keeps events whose {@code event time + purge} is before the cut; shorter than
 *                        the label window lets a purchase in the holdout period decide a training label
 * @param minTrainRows    fewer training rows than this is an error, not a model
 * @param minHoldoutRows  fewer holdout rows than this is an error, not an evaluation
 * @param minPurchases    each part needs at least this many purchases (and as many non-purchases)
 */
public record SplitOptions(double holdoutFraction, Duration labelWindow, Duration purge, int minTrainRows,
                           int minHoldoutRows, int minPurchases) {

    public static final int DEFAULT_MIN_TRAIN_ROWS = 1_000;
    public static final int DEFAULT_MIN_HOLDOUT_ROWS = 200;
    public static final int DEFAULT_MIN_PURCHASES = 10;

    public SplitOptions {
        Objects.requireNonNull(labelWindow, "labelWindow");
        Objects.requireNonNull(purge, "purge");
        if (!(holdoutFraction > 0 && holdoutFraction < 1)) {
            throw new IllegalArgumentException("holdout fraction must be in (0, 1), got " + holdoutFraction);
        }
        if (labelWindow.isNegative() || labelWindow.isZero() || purge.isNegative()) {
            throw new IllegalArgumentException("the label window must be positive and the purge at least 0, got "
                    + labelWindow + " and " + purge);
        }
        if (minTrainRows < 1 || minHoldoutRows < 1 || minPurchases < 1) {
            throw new IllegalArgumentException("the least rows and purchases per part must be at least 1");
        }
    }

    /** A purge as long as the label window, and the default least sizes. */
    public static SplitOptions of(double holdoutFraction, Duration labelWindow) {
        return new SplitOptions(holdoutFraction, labelWindow, labelWindow, DEFAULT_MIN_TRAIN_ROWS,
                DEFAULT_MIN_HOLDOUT_ROWS, DEFAULT_MIN_PURCHASES);
    }

    public SplitOptions withPurge(Duration newPurge) {
        return new SplitOptions(holdoutFraction, labelWindow, newPurge, minTrainRows, minHoldoutRows, minPurchases);
    }

    public SplitOptions withMinimums(int trainRows, int holdoutRows, int purchases) {
        return new SplitOptions(holdoutFraction, labelWindow, purge, trainRows, holdoutRows, purchases);
    }

    /** A duration as the options write it: 1h30m, 45m, 20s, 1m30s, 250ms. */
    public static String format(Duration duration) {
        long millis = duration.toMillis();
        if (millis % 1000 != 0) {
            return millis + "ms";
        }
        long seconds = millis / 1000;
        StringBuilder text = new StringBuilder();
        if (seconds >= 3600) {
            text.append(seconds / 3600).append('h');
        }
        if (seconds % 3600 >= 60) {
            text.append(seconds % 3600 / 60).append('m');
        }
        if (seconds % 60 > 0 || text.length() == 0) {
            text.append(seconds % 60).append('s');
        }
        return text.toString();
    }
}
