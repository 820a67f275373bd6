package dev.flywheel.trainer.training;

import dev.flywheel.trainer.dataset.LabelledExample;
import dev.flywheel.trainer.export.OnnxExport;
import dev.flywheel.trainer.dataset.LabelledExamples;
import java.util.ArrayList;
import java.util.List;
import org.tribuo.Example;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.sgd.linear.LinearSGDModel;
import org.tribuo.impl.ArrayExample;

/**
 * A logistic regression on standardized features, fitted by Tribuo: raw feature vector (spec order)
 * in, P(purchase) out. Inputs are rounded to float first, because the exported ONNX model takes a
 * float tensor: the score here is the score serving computes.
 */
public final class LinearPropensityModel implements PropensityModel {
    private final LinearSGDModel tribuoModel;
    private final Standardization standardization;
    private final FeatureNaming naming;

    LinearPropensityModel(LinearSGDModel tribuoModel, Standardization standardization, FeatureNaming naming) {
        this.tribuoModel = tribuoModel;
        this.standardization = standardization;
        this.naming = naming;
        requireSpecOrderedFeatureIds();
    }

    static Label label(boolean purchased) {
        return new Label(purchased ? PURCHASE : NO_PURCHASE);
    }

    @Override
    public String kind() {
        return "logistic_regression";
    }

    @Override
    public byte[] toOnnx(String graphName, long modelVersion) {
        return OnnxExport.toOnnx(this, graphName, modelVersion);
    }

    @Override
    public double score(double[] rawFeatures) {
        Prediction<Label> prediction = tribuoModel.predict(example(rawFeatures));
        return prediction.getOutputScores().get(PURCHASE).getScore();
    }

    @Override
    public double[] score(LabelledExamples examples) {
        List<Example<Label>> batch = new ArrayList<>(examples.size());
        for (LabelledExample example : examples.examples()) {
            batch.add(example(example.features()));
        }
        List<Prediction<Label>> predictions = tribuoModel.predict(batch);
        double[] scores = new double[predictions.size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = predictions.get(i).getOutputScores().get(PURCHASE).getScore();
        }
        return scores;
    }

    /** The label of each output column of the model, in column order (Tribuo's label ids). */
    @Override
    public List<String> outputColumns() {
        ImmutableOutputInfo<Label> outputs = tribuoModel.getOutputIDInfo();
        List<String> columns = new ArrayList<>(outputs.size());
        for (int id = 0; id < outputs.size(); id++) {
            columns.add(outputs.getOutput(id).getLabel());
        }
        return columns;
    }

    @Override
    public List<String> featureNames() {
        return naming.specNames();
    }

    public Standardization standardization() {
        return standardization;
    }

    public LinearSGDModel tribuoModel() {
        return tribuoModel;
    }

    private ArrayExample<Label> example(double[] rawFeatures) {
        // Tribuo examples always carry an output; predict ignores it.
        return new ArrayExample<>(label(false), naming.tribuoNames(), standardization.apply(rawFeatures));
    }

    /**
     * Tribuo keeps only features it saw, and numbers them by sorted name. The ONNX input is laid out
     * by that numbering, so anything but "feature id j is spec feature j" would silently feed the
     * model the wrong columns: refuse it here.
     */
    private void requireSpecOrderedFeatureIds() {
        ImmutableFeatureMap features = tribuoModel.getFeatureIDMap();
        if (features.size() != naming.width()) {
            throw new IllegalStateException("Tribuo kept " + features.size() + " of " + naming.width() + " features");
        }
        for (int j = 0; j < naming.width(); j++) {
            String name = features.get(j).getName();
            if (!name.equals(naming.tribuoName(j))) {
                throw new IllegalStateException("Tribuo feature id " + j + " is " + name + ", expected "
                        + naming.tribuoName(j));
            }
        }
    }
}
