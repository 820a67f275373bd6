package dev.flywheel.trainer.evaluation;

import dev.flywheel.trainer.dataset.LabelledExamples;

/**
 * What the model must beat: one feature used as the score by itself. Each feature's direction
 * (higher means more likely to buy, or less) is read from the training rows, as a person writing
 * a rule would; the rule is then scored on the holdout like the model.
 *
 * <p>Two picks: the feature a person would choose from the training rows, and the one that does
 * best on the holdout itself. The second is chosen with hindsight from every feature, so its AUC is
 * biased upwards on a small holdout; a model that beats it beats every single feature.
 *
 * @param chosenOnTraining        the feature with the best training AUC (either direction)
 * @param chosenOnTrainingAuc     that feature's holdout AUC, in its training direction
 * @param bestOnHoldout           the feature with the best holdout AUC in its training direction
 * @param bestOnHoldoutAuc        its holdout AUC
 */
public record SingleFeatureBaseline(String chosenOnTraining, double chosenOnTrainingAuc, String bestOnHoldout,
                                    double bestOnHoldoutAuc) {

    public static SingleFeatureBaseline of(LabelledExamples train, LabelledExamples holdout) {
        boolean[] trainLabels = train.labels();
        boolean[] holdoutLabels = holdout.labels();
        String chosen = null;
        double chosenTrainAuc = -1;
        double chosenHoldoutAuc = Double.NaN;
        String best = null;
        double bestAuc = -1;
        for (int j = 0; j < train.featureCount(); j++) {
            double trainAuc = BinaryMetrics.auc(train.column(j), trainLabels);
            if (Double.isNaN(trainAuc)) {
                continue;
            }
            boolean lowerBuys = trainAuc < 0.5;
            double[] column = holdout.column(j);
            if (lowerBuys) {
                for (int i = 0; i < column.length; i++) {
                    column[i] = -column[i];
                }
            }
            double holdoutAuc = BinaryMetrics.auc(column, holdoutLabels);
            String name = train.featureNames().get(j);
            double trainStrength = Math.max(trainAuc, 1 - trainAuc);
            if (trainStrength > chosenTrainAuc) {
                chosenTrainAuc = trainStrength;
                chosen = name;
                chosenHoldoutAuc = holdoutAuc;
            }
            if (holdoutAuc > bestAuc) {
                bestAuc = holdoutAuc;
                best = name;
            }
        }
        if (chosen == null) {
            throw new IllegalArgumentException("no feature has an AUC: the training rows hold one label");
        }
        return new SingleFeatureBaseline(chosen, chosenHoldoutAuc, best, bestAuc);
    }
}
