package dev.flywheel.trainer.dataset;

/** The data cannot give a model worth registering: too few rows, too few purchases, or a split that leaves a side empty. */
public final class InsufficientDataException extends IllegalArgumentException {
    public InsufficientDataException(String message) {
        super(message);
    }
}
