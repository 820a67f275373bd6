package dev.flywheel.registry.testing;

import dev.flywheel.features.FeatureSpec;
import dev.flywheel.models.FeatureBins;
import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.models.OutputSpec;
import dev.flywheel.models.ReferenceDistributions;
import dev.flywheel.registry.api.Sha256;
import java.util.List;
import java.util.Map;

/** Descriptors matching {@link OnnxModels}, on real feature-spec names. */
public final class Descriptors {
    public static final String MODEL = "purchase-propensity";
    /** The first three names of the current feature spec: what a real model could ask for. */
    public static final List<String> FEATURES = FeatureSpec.current().names().subList(0, 3);
    public static final OutputSpec OUTPUT = new OutputSpec(OnnxModels.OUTPUT, List.of("no_purchase", "purchase"), "purchase",
            "P(purchase by this user within 30 minutes)");

    private Descriptors() {
    }

    public static ModelDescriptor forArtifact(byte[] artifact) {
        return forArtifact(MODEL, artifact);
    }

    public static ModelDescriptor forArtifact(String model, byte[] artifact) {
        return new ModelDescriptor(model, 0, Sha256.hex(artifact), OnnxModels.INPUT, FEATURES, OUTPUT,
                Map.of("auc", 0.8), new ReferenceDistributions(List.of(0.05, 0.3, 0.9),
                        Map.of(FEATURES.get(0), new FeatureBins(List.of(0.0, 5.0, 50.0), List.of(0.1, 0.4, 0.3, 0.2))),
                        List.of(List.of(1.0, 2.0, 3.0))),
                "tests");
    }

    /** A valid model whose bytes differ per {@code seed} (so each registration is a distinct artifact). */
    public static byte[] goodModel(int seed) {
        return OnnxModels.logisticRegression(FEATURES.size()).producer("flywheel-tests-" + seed).build();
    }
}
