package dev.flywheel.trainer.dataset;

import java.util.List;

/**
 * Labelled examples in event-time order, with the names of their feature columns.
 *
 * @param featureNames one name per feature column, in column order (the feature spec's order)
 * @param examples     sorted by event time
 */
public record LabelledExamples(List<String> featureNames, List<LabelledExample> examples) {

    public LabelledExamples {
        featureNames = List.copyOf(featureNames);
        examples = List.copyOf(examples);
        long previousTime = Long.MIN_VALUE;
        for (LabelledExample example : examples) {
            if (example.features().length != featureNames.size()) {
                throw new IllegalArgumentException("example " + example.eventId() + " has " + example.features().length
                        + " features, expected " + featureNames.size());
            }
            if (example.eventTime() < previousTime) {
                throw new IllegalArgumentException("examples must be in event-time order; " + example.eventId()
                        + " at " + example.eventTime() + " follows one at " + previousTime);
            }
            previousTime = example.eventTime();
        }
    }

    public int size() {
        return examples.size();
    }

    public int featureCount() {
        return featureNames.size();
    }

    public boolean[] labels() {
        boolean[] labels = new boolean[examples.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = examples.get(i).purchased();
        }
        return labels;
    }

    /** The exact purchase probabilities, or null unless every example has one. */
    public double[] truthOrNull() {
        double[] truth = new double[examples.size()];
        for (int i = 0; i < truth.length; i++) {
            if (!examples.get(i).hasTruth()) {
                return null;
            }
            truth[i] = examples.get(i).truth();
        }
        return truth;
    }

    /** Column {@code index} of every example. */
    public double[] column(int index) {
        double[] column = new double[examples.size()];
        for (int i = 0; i < column.length; i++) {
            column[i] = examples.get(i).features()[index];
        }
        return column;
    }

    public long positives() {
        return examples.stream().filter(LabelledExample::purchased).count();
    }
}
