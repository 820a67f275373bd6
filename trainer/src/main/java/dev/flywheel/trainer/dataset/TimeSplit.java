package dev.flywheel.trainer.dataset;

import java.time.Duration;
import java.util.List;

/**
 * A holdout that lies wholly after the training data, so the model is judged on the future it
 * would face, never on rows interleaved with what it learned from.
 *
 * <p>The label of an event looks one label window ahead, so two more cuts prevent leakage and bias:
 * training keeps only events at least a purge before the holdout starts (with a purge as long as
 * the label window, no training label is decided by a holdout-period purchase), and the holdout
 * drops its last window, whose labels are censored (a purchase after the data ends would have made
 * them positive).
 *
 * @param train            events before {@code cutoffTime - purgeMs}
 * @param holdout          events from {@code cutoffTime} to {@code lastEventTime - censorMs}
 * @param cutoffTime       event time where the holdout begins
 * @param purgedBeforeCut  training events dropped because they lie within the purge before the cut
 * @param censoredAtEnd    holdout events dropped because their label window runs past the data
 */
public record TimeSplit(LabelledExamples train, LabelledExamples holdout, long cutoffTime, int purgedBeforeCut,
                        int censoredAtEnd) {

    /** A purge and a censored tail as long as the label window; either side may come out empty. */
    public static TimeSplit of(LabelledExamples all, double holdoutFraction, long labelWindowMs) {
        return of(all, holdoutFraction, labelWindowMs, labelWindowMs);
    }

    /**
     * @param holdoutFraction share of the examples (by position in time order) at or after the cut
     * @param purgeMs         training events must lie more than this before the cut
     * @param censorMs        the holdout ends this long before the last event
     */
    public static TimeSplit of(LabelledExamples all, double holdoutFraction, long purgeMs, long censorMs) {
        if (!(holdoutFraction > 0 && holdoutFraction < 1)) {
            throw new IllegalArgumentException("holdout fraction must be in (0, 1), got " + holdoutFraction);
        }
        List<LabelledExample> examples = all.examples();
        if (examples.size() < 2) {
            throw new InsufficientDataException("need at least 2 examples to split, got " + examples.size());
        }
        long cutoffTime = examples.get((int) Math.floor(examples.size() * (1 - holdoutFraction))).eventTime();
        long lastTime = examples.get(examples.size() - 1).eventTime();
        List<LabelledExample> train = examples.stream().filter(e -> e.eventTime() + purgeMs < cutoffTime).toList();
        List<LabelledExample> holdout = examples.stream()
                .filter(e -> e.eventTime() >= cutoffTime && e.eventTime() + censorMs <= lastTime).toList();
        int beforeCut = (int) examples.stream().filter(e -> e.eventTime() < cutoffTime).count();
        int afterCut = examples.size() - beforeCut;
        return new TimeSplit(new LabelledExamples(all.featureNames(), train),
                new LabelledExamples(all.featureNames(), holdout),
                cutoffTime, beforeCut - train.size(), afterCut - holdout.size());
    }

    /** The split the options ask for, or an {@link InsufficientDataException} saying what is short and what to change. */
    public static TimeSplit of(LabelledExamples all, SplitOptions options) {
        TimeSplit split = of(all, options.holdoutFraction(), options.purge().toMillis(), options.labelWindow().toMillis());
        split.requireEnough(all, options);
        return split;
    }

    private void requireEnough(LabelledExamples all, SplitOptions options) {
        boolean trainShort = train.size() < options.minTrainRows() || !bothLabels(train, options.minPurchases());
        boolean holdoutShort = holdout.size() < options.minHoldoutRows() || !bothLabels(holdout, options.minPurchases());
        if (!trainShort && !holdoutShort) {
            return;
        }
        long span = all.examples().get(all.size() - 1).eventTime() - all.examples().get(0).eventTime();
        String advice;
        if (trainShort && holdoutShort) {
            advice = "shorten --label-window and --purge, or train on a longer export";
        } else if (holdoutShort) {
            advice = "raise --holdout-fraction (now " + options.holdoutFraction() + ") or shorten --label-window (now "
                    + SplitOptions.format(options.labelWindow()) + ", the censored tail)";
        } else {
            advice = "lower --holdout-fraction (now " + options.holdoutFraction() + ") or shorten --purge (now "
                    + SplitOptions.format(options.purge()) + ")";
        }
        throw new InsufficientDataException(String.format("too little data: the split leaves %,d training rows (%,d"
                        + " purchases; at least %,d rows and %,d purchases needed) and %,d holdout rows (%,d purchases;"
                        + " at least %,d and %,d) of %,d events over %s, after a %s purge before the cut and a %s censored"
                        + " tail: %s",
                train.size(), train.positives(), options.minTrainRows(), options.minPurchases(), holdout.size(),
                holdout.positives(), options.minHoldoutRows(), options.minPurchases(), all.size(),
                SplitOptions.format(Duration.ofSeconds(span / 1000)), SplitOptions.format(options.purge()), SplitOptions.format(options.labelWindow()), advice));
    }

    private static boolean bothLabels(LabelledExamples part, int least) {
        long positives = part.positives();
        return positives >= least && part.size() - positives >= least;
    }

}
