package dev.flywheel.trainer.dataset;

import java.util.List;

/**
 * A holdout that lies wholly after the training data, so the model is judged on the future it
 * would face, never on rows interleaved with what it learned from.
 *
 * <p>The label of an event looks {@code labelWindowMs} ahead, so two more cuts prevent leakage and
 * bias: training keeps only events whose label window closes before the holdout starts (a training
 * label must not be decided by a holdout-period purchase), and the holdout drops its last window,
 * whose labels are censored (a purchase after the data ends would have made them positive).
 *
 * @param train            events before {@code cutoffTime - labelWindowMs}
 * @param holdout          events from {@code cutoffTime} to {@code lastEventTime - labelWindowMs}
 * @param cutoffTime       event time where the holdout begins
 * @param purgedBeforeCut  training events dropped because their label window crosses the cut
 * @param censoredAtEnd    holdout events dropped because their label window runs past the data
 */
public record TimeSplit(LabelledExamples train, LabelledExamples holdout, long cutoffTime, int purgedBeforeCut,
                        int censoredAtEnd) {

    /**
     * @param holdoutFraction share of the examples (by position in time order) at or after the cut
     */
    public static TimeSplit of(LabelledExamples all, double holdoutFraction, long labelWindowMs) {
        if (!(holdoutFraction > 0 && holdoutFraction < 1)) {
            throw new IllegalArgumentException("holdout fraction must be in (0, 1), got " + holdoutFraction);
        }
        List<LabelledExample> examples = all.examples();
        if (examples.size() < 2) {
            throw new IllegalArgumentException("need at least 2 examples to split, got " + examples.size());
        }
        long cutoffTime = examples.get((int) Math.floor(examples.size() * (1 - holdoutFraction))).eventTime();
        long lastTime = examples.get(examples.size() - 1).eventTime();
        List<LabelledExample> train = examples.stream().filter(e -> e.eventTime() + labelWindowMs < cutoffTime).toList();
        List<LabelledExample> holdout = examples.stream()
                .filter(e -> e.eventTime() >= cutoffTime && e.eventTime() + labelWindowMs <= lastTime).toList();
        int beforeCut = (int) examples.stream().filter(e -> e.eventTime() < cutoffTime).count();
        int afterCut = examples.size() - beforeCut;
        if (train.isEmpty() || holdout.isEmpty()) {
            throw new IllegalArgumentException("the split leaves " + train.size() + " training and " + holdout.size()
                    + " holdout examples: the data must span well over two label windows");
        }
        return new TimeSplit(new LabelledExamples(all.featureNames(), train),
                new LabelledExamples(all.featureNames(), holdout),
                cutoffTime, beforeCut - train.size(), afterCut - holdout.size());
    }
}
