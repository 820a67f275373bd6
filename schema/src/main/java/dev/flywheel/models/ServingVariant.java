package dev.flywheel.models;

import java.util.List;
import java.util.Objects;

/**
 * One model version in a serving role.
 *
 * @param role         {@code champion}, {@code challenger} or {@code shadow}
 * @param version      the model version
 * @param trafficShare champion and challenger: share of decisions this variant makes (together 1);
 *                     shadow: share of requests it also scores, never served
 * @param artifactUri  where to download the ONNX bytes (the registry's artifact endpoint)
 * @param sha256       checksum the consumer must verify before loading
 * @param inputTensor  ONNX input name
 * @param inputs       feature names in input column order
 * @param output       output tensor, columns and score column
 */
public record ServingVariant(String role, int version, double trafficShare, String artifactUri, String sha256,
                             String inputTensor, List<String> inputs, OutputSpec output) {
    public static final String CHAMPION = "champion";
    public static final String CHALLENGER = "challenger";
    public static final String SHADOW = "shadow";
    public static final List<String> ROLES = List.of(CHAMPION, CHALLENGER, SHADOW);

    public ServingVariant {
        if (!ROLES.contains(role)) {
            throw new IllegalArgumentException("role must be one of " + ROLES + ", was " + role);
        }
        if (!(trafficShare >= 0 && trafficShare <= 1)) {
            throw new IllegalArgumentException("traffic share must be in [0, 1], was " + trafficShare);
        }
        Objects.requireNonNull(artifactUri, "artifact_uri");
        Objects.requireNonNull(sha256, "sha256");
        inputs = List.copyOf(inputs);
        Objects.requireNonNull(output, "output");
    }
}
