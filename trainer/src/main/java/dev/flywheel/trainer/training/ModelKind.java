package dev.flywheel.trainer.training;

/** Which learner fits the propensity model; both export one ONNX graph with the same contract. */
public enum ModelKind {
    /** Gradient-boosted trees: thresholds and interactions, what the features need (the default). */
    BOOSTED_TREES("boosted-trees"),
    /** Logistic regression on standardized features: the first model, kept for comparison. */
    LOGISTIC_REGRESSION("logistic");

    private final String optionName;

    ModelKind(String optionName) {
        this.optionName = optionName;
    }

    /** How the command line names it. */
    public String optionName() {
        return optionName;
    }

    public static ModelKind fromOptionName(String name) {
        for (ModelKind kind : values()) {
            if (kind.optionName.equals(name)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("model must be boosted-trees or logistic, was " + name);
    }
}
