package dev.flywheel.jobs.serving;

/** A model version that will not serve, with the reason and a sentence for the log. */
public final class ModelRefusedException extends Exception {
    private static final long serialVersionUID = 1L;

    private final RefusalReason reason;

    public ModelRefusedException(RefusalReason reason, String detail, Throwable cause) {
        super(detail, cause);
        this.reason = reason;
    }

    public ModelRefusedException(RefusalReason reason, String detail) {
        this(reason, detail, null);
    }

    public RefusalReason reason() {
        return reason;
    }
}
