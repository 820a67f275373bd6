package dev.flywheel.trainer.training;

import java.util.List;

/**
 * Maps feature-spec names to the names Tribuo sees. Tribuo numbers features by sorting their names,
 * and its ONNX export lays the input columns out in that numbering; prefixing each name with its
 * zero-padded position ({@code 0007:session_events}) makes the sorted order the spec's order, so
 * column {@code j} of the ONNX input is spec feature {@code j}.
 */
public final class FeatureNaming {
    /** Four digits keep lexical and numeric order equal. */
    public static final int MAX_FEATURES = 10_000;

    private final List<String> specNames;
    private final String[] tribuoNames;

    public FeatureNaming(List<String> specNames) {
        if (specNames.isEmpty() || specNames.size() > MAX_FEATURES) {
            throw new IllegalArgumentException("the model takes 1 to " + MAX_FEATURES + " features, got " + specNames.size());
        }
        this.specNames = List.copyOf(specNames);
        this.tribuoNames = new String[specNames.size()];
        for (int j = 0; j < tribuoNames.length; j++) {
            tribuoNames[j] = String.format("%04d:%s", j, specNames.get(j));
        }
    }

    public List<String> specNames() {
        return specNames;
    }

    public int width() {
        return tribuoNames.length;
    }

    String[] tribuoNames() {
        return tribuoNames;
    }

    public String tribuoName(int column) {
        return tribuoNames[column];
    }
}
