package dev.flywheel.trainer.training;

import dev.flywheel.trainer.dataset.LabelledExample;
import dev.flywheel.trainer.dataset.LabelledExamples;
import dev.flywheel.trainer.export.TreeEnsembleOnnx;
import dev.flywheel.trainer.trees.BoostedTrees;
import java.util.List;

/** Gradient-boosted trees on the raw features (trees need no standardization): P(purchase) per vector. */
public final class TreePropensityModel implements PropensityModel {
    private final BoostedTrees trees;
    private final List<String> featureNames;

    public TreePropensityModel(BoostedTrees trees, List<String> featureNames) {
        if (featureNames.size() != trees.width()) {
            throw new IllegalArgumentException(featureNames.size() + " names for a " + trees.width() + "-feature model");
        }
        this.trees = trees;
        this.featureNames = List.copyOf(featureNames);
    }

    public BoostedTrees trees() {
        return trees;
    }

    @Override
    public List<String> featureNames() {
        return featureNames;
    }

    /** The exported graph's columns: {@link TreeEnsembleOnnx} writes 1 - p, then p. */
    @Override
    public List<String> outputColumns() {
        return List.of(NO_PURCHASE, PURCHASE);
    }

    @Override
    public double score(double[] rawFeatures) {
        return trees.probability(rawFeatures);
    }

    @Override
    public double[] score(LabelledExamples examples) {
        double[] scores = new double[examples.size()];
        List<LabelledExample> rows = examples.examples();
        for (int i = 0; i < scores.length; i++) {
            scores[i] = trees.probability(rows.get(i).features());
        }
        return scores;
    }

    @Override
    public String kind() {
        return "boosted_trees";
    }

    @Override
    public byte[] toOnnx(String graphName, long modelVersion) {
        return TreeEnsembleOnnx.toOnnx(trees, featureNames, graphName, modelVersion);
    }
}
