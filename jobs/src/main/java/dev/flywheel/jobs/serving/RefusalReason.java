package dev.flywheel.jobs.serving;

/** Why a subtask refused to serve a model version; the code is the metric label and log word. */
public enum RefusalReason {
    /** The registry could not be reached or answered 5xx, also after retries. */
    UNREACHABLE,
    /** The registry does not have the version (404) or refused the request. */
    NOT_AVAILABLE,
    /** The bytes' SHA-256 differs from the serving config's. */
    SHA256_MISMATCH,
    /** ONNX Runtime cannot load the bytes. */
    INVALID_ONNX,
    /** Input or output tensors are not what the serving config declares. */
    SIGNATURE_MISMATCH,
    /** An input is not a feature of the spec this job computes. */
    UNKNOWN_FEATURE,
    /** Scoring a reference row failed or gave a non-finite score or one outside [0, 1]. */
    WARM_UP_FAILED;

    public String code() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
