package dev.flywheel.trainer.training;

import dev.flywheel.trainer.dataset.LabelledExamples;
import java.util.Arrays;

/**
 * Per-feature {@code (x - mean) * scale} with {@code scale = 1 / standard deviation} from the
 * training data, so that SGD's single learning rate suits seconds, money and ratios alike.
 *
 * <p>The parameters are kept as floats because the exported ONNX graph applies them in float: Java
 * and ONNX Runtime then start from the same numbers. A constant feature (standard deviation 0) gets
 * scale 1, which maps it to 0 in training and leaves unseen values finite at serving time.
 */
public record Standardization(float[] mean, float[] scale) {

    public Standardization {
        if (mean.length != scale.length) {
            throw new IllegalArgumentException(mean.length + " means but " + scale.length + " scales");
        }
    }

    public static Standardization fit(LabelledExamples train) {
        int width = train.featureCount();
        float[] mean = new float[width];
        float[] scale = new float[width];
        for (int j = 0; j < width; j++) {
            double[] column = train.column(j);
            double sum = 0;
            for (double value : column) {
                sum += value;
            }
            double average = sum / column.length;
            double squares = 0;
            for (double value : column) {
                squares += (value - average) * (value - average);
            }
            double deviation = Math.sqrt(squares / column.length);
            mean[j] = (float) average;
            scale[j] = deviation > 0 && Double.isFinite(1 / deviation) ? (float) (1 / deviation) : 1f;
        }
        return new Standardization(mean, scale);
    }

    public int width() {
        return mean.length;
    }

    /** The standardized vector of a raw one, computed in float like the ONNX graph. */
    public double[] apply(double[] raw) {
        if (raw.length != mean.length) {
            throw new IllegalArgumentException(raw.length + " features, the model takes " + mean.length);
        }
        double[] standardized = new double[raw.length];
        for (int j = 0; j < raw.length; j++) {
            standardized[j] = ((float) raw[j] - mean[j]) * scale[j];
        }
        return standardized;
    }

    // A record compares arrays by reference; standardizations are compared by content.
    @Override
    public boolean equals(Object other) {
        return other instanceof Standardization that && Arrays.equals(mean, that.mean) && Arrays.equals(scale, that.scale);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(scale);
    }

    @Override
    public String toString() {
        return "Standardization[mean " + Arrays.toString(mean) + ", scale " + Arrays.toString(scale) + "]";
    }
}
