package dev.flywheel.registry.validation;

import java.util.Objects;

/** The verdict on one model version: accepted, or rejected with a reason code and a human detail. */
public record ValidationResult(RejectReason reason, String detail) {
    private static final ValidationResult ACCEPTED = new ValidationResult(null, "");

    public ValidationResult {
        detail = Objects.requireNonNullElse(detail, "");
    }

    public static ValidationResult accepted() {
        return ACCEPTED;
    }

    public static ValidationResult rejected(RejectReason reason, String detail) {
        return new ValidationResult(Objects.requireNonNull(reason), detail);
    }

    public boolean isAccepted() {
        return reason == null;
    }
}
