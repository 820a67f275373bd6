package dev.flywheel.trainer.training;

import dev.flywheel.trainer.dataset.LabelledExample;
import dev.flywheel.trainer.dataset.LabelledExamples;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.sgd.linear.LinearSGDModel;
import org.tribuo.classification.sgd.linear.LinearSGDTrainer;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.impl.ArrayExample;
import org.tribuo.math.optimisers.AdaGrad;
import org.tribuo.provenance.SimpleDataSourceProvenance;

/** Fits the purchase-propensity model: standardization, then logistic regression by SGD in Tribuo. */
public final class PropensityTrainer {
    /** AdaGrad's epsilon, Tribuo's default: keeps the first steps finite. */
    private static final double ADAGRAD_EPSILON = 0.1;

    private final TrainingOptions options;

    public PropensityTrainer(TrainingOptions options) {
        this.options = options;
    }

    public LinearPropensityModel train(LabelledExamples train) {
        if (train.positives() == 0 || train.positives() == train.size()) {
            throw new IllegalArgumentException("training data needs both labels; it has " + train.positives()
                    + " purchases in " + train.size() + " examples");
        }
        Standardization standardization = Standardization.fit(train);
        FeatureNaming naming = new FeatureNaming(train.featureNames());
        LabelFactory labels = new LabelFactory();
        MutableDataset<Label> dataset = new MutableDataset<>(
                new SimpleDataSourceProvenance("flywheel labelled examples", labels), labels);
        for (LabelledExample example : train.examples()) {
            dataset.add(new ArrayExample<>(LinearPropensityModel.label(example.purchased()), naming.tribuoNames(),
                    standardization.apply(example.features())));
        }
        LinearSGDTrainer trainer = new LinearSGDTrainer(new LogMulticlass(),
                new AdaGrad(options.learningRate(), ADAGRAD_EPSILON), options.epochs(), train.size(),
                options.minibatch(), options.seed());
        LinearSGDModel model = (LinearSGDModel) trainer.train(dataset);
        return new LinearPropensityModel(model, standardization, naming);
    }
}
