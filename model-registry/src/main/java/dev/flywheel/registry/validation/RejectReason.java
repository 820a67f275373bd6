package dev.flywheel.registry.validation;

/** Why a model version was refused. Codes are stable: they appear in the API, metrics and logs. */
public enum RejectReason {
    /** The artifact has no bytes. */
    EMPTY_ARTIFACT,
    /** The artifact is larger than the configured limit. */
    TOO_LARGE,
    /** The bytes do not hash to the descriptor's sha256. */
    SHA256_MISMATCH,
    /** An input name is not a feature the feature spec can supply. */
    UNKNOWN_FEATURE,
    /** The descriptor is inconsistent with itself (e.g. a sample row of the wrong width). */
    INVALID_DESCRIPTOR,
    /** ONNX Runtime cannot load the bytes as a model (truncated, random, not ONNX, bad graph). */
    INVALID_ONNX,
    /** The model refers to tensor data outside its own bytes; the registry serves self-contained files only. */
    EXTERNAL_DATA,
    /** The model's input is not the one tensor the descriptor names. */
    INPUT_NAME_MISMATCH,
    /** The input tensor is not [batch, number of features]. */
    INPUT_SHAPE_MISMATCH,
    /** The input tensor is not float32. */
    INPUT_TYPE_MISMATCH,
    /** The model's own feature-name metadata disagrees with the descriptor's input order. */
    FEATURE_ORDER_MISMATCH,
    /** The descriptor's output tensor is missing or has another type or width. */
    OUTPUT_MISMATCH,
    /** Scoring the reference rows failed inside ONNX Runtime. */
    RUN_FAILED,
    /** Scoring the reference rows produced NaN or infinity. */
    NON_FINITE_OUTPUT,
    /** Scoring the reference rows produced a value outside [0, 1]: not a probability. */
    OUTPUT_OUT_OF_RANGE,
    /** The validator process died (native crash, out of memory). */
    VALIDATOR_CRASHED,
    /** The validator process did not answer in time. */
    VALIDATOR_TIMEOUT
}
