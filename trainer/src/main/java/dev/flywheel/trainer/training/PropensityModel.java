package dev.flywheel.trainer.training;

import dev.flywheel.trainer.dataset.LabelledExamples;
import java.util.List;

/**
 * A trained purchase-propensity model: a raw feature vector in the order of {@link #featureNames()}
 * in, P(purchase) out, and the one ONNX graph that serves it (float input {@code [N, width]},
 * probabilities {@code [N, 2]} in the order of {@link #outputColumns()}). Inputs are rounded to
 * float before anything else, as the ONNX input is a float tensor, so {@link #score} is the score
 * serving computes, up to float rounding.
 */
public interface PropensityModel {
    String PURCHASE = "purchase";
    String NO_PURCHASE = "no_purchase";

    /** The input features, in input-column order. */
    List<String> featureNames();

    /** The label of each output column, in column order. */
    List<String> outputColumns();

    double score(double[] rawFeatures);

    double[] score(LabelledExamples examples);

    /** What kind of model it is, for descriptors and reports: {@code logistic_regression}, {@code boosted_trees}. */
    String kind();

    /** The model as one ONNX graph; the header's model version is {@code modelVersion}. */
    byte[] toOnnx(String graphName, long modelVersion);
}
