package dev.flywheel.models;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Everything a consumer needs to know about one model version besides its bytes.
 *
 * <p>The ONNX model takes one float tensor {@code inputTensor} of shape [batch, inputs.size()]
 * whose columns are the feature-spec features named by {@link #inputs}, in that order.
 *
 * @param name        model name, see {@link ModelContracts#MODEL_NAME}
 * @param version     1, 2, ...; assigned by the registry at registration (send 0)
 * @param sha256      lower-case hex SHA-256 of the ONNX bytes; the registry refuses a mismatch
 * @param inputTensor name of the ONNX input
 * @param inputs      feature names, one per input column, in column order
 * @param output      the output the score is read from
 * @param metrics     training / holdout metrics, e.g. {@code auc}, {@code log_loss}
 * @param reference   reference distributions for drift detection and validation
 * @param createdBy   who or what produced the version (trainer run id, user)
 */
public record ModelDescriptor(String name, int version, String sha256, String inputTensor, List<String> inputs,
                              OutputSpec output, Map<String, Double> metrics, ReferenceDistributions reference,
                              String createdBy) {
    public ModelDescriptor {
        ModelContracts.requireModelName(name);
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0, was " + version);
        }
        ModelContracts.requireText(sha256, "sha256");
        sha256 = sha256.toLowerCase(java.util.Locale.ROOT);
        inputTensor = Objects.requireNonNullElse(inputTensor, "input");
        inputs = ModelContracts.requireNames(inputs, "inputs");
        Objects.requireNonNull(output, "output is required");
        metrics = Map.copyOf(new TreeMap<>(Objects.requireNonNullElse(metrics, Map.of())));
        reference = Objects.requireNonNullElse(reference, ReferenceDistributions.EMPTY);
        createdBy = Objects.requireNonNullElse(createdBy, "");
    }

    /** The same model under another name, e.g. a frozen copy served beside the one that retrains. */
    public ModelDescriptor withName(String newName) {
        return new ModelDescriptor(newName, version, sha256, inputTensor, inputs, output, metrics, reference, createdBy);
    }

    public ModelDescriptor withVersion(int newVersion) {
        return new ModelDescriptor(name, newVersion, sha256, inputTensor, inputs, output, metrics, reference, createdBy);
    }
}
