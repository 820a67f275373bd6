package dev.flywheel.trainer.training;

/**
 * How the logistic regression is fitted: AdaGrad SGD on the log loss of a two-label softmax.
 *
 * @param epochs       passes over the training data (shuffled each pass)
 * @param learningRate AdaGrad's initial learning rate
 * @param minibatch    examples per gradient step
 * @param seed         shuffling seed: the same data and options give the same model
 */
public record TrainingOptions(int epochs, double learningRate, int minibatch, long seed) {

    public TrainingOptions {
        if (epochs < 1 || minibatch < 1 || !(learningRate > 0)) {
            throw new IllegalArgumentException("epochs and minibatch must be >= 1 and the learning rate > 0: " + epochs
                    + ", " + minibatch + ", " + learningRate);
        }
    }

    public static TrainingOptions defaults(long seed) {
        return new TrainingOptions(5, 0.1, 16, seed);
    }
}
