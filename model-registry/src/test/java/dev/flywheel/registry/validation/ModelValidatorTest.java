package dev.flywheel.registry.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.features.FeatureSpec;
import dev.flywheel.models.FeatureBins;
import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.models.ReferenceDistributions;
import dev.flywheel.registry.testing.Descriptors;
import dev.flywheel.registry.testing.TestRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelValidatorTest {
    private final ModelValidator validator = new ModelValidator(TestRegistry.validation(), FeatureSpec.current()::has);

    @Test
    void aValidModelIsAcceptedInTheChildProcess() {
        byte[] artifact = Descriptors.goodModel(1);
        assertThat(validator.validate(Descriptors.forArtifact(artifact), artifact)).isEqualTo(ValidationResult.accepted());
    }

    @Test
    void aValidatorThatDoesNotAnswerInTimeRejectsTheModel() {
        ModelValidator impatient = new ModelValidator(new ModelValidator.Settings(TestRegistry.MAX_ARTIFACT_BYTES,
                Duration.ofMillis(50), "256m", null), name -> true);
        byte[] artifact = Descriptors.goodModel(1);
        ValidationResult result = impatient.validate(Descriptors.forArtifact(artifact), artifact);
        assertThat(result.reason()).isEqualTo(RejectReason.VALIDATOR_TIMEOUT);
        assertThat(result.detail()).contains("PT0.05S");
    }

    @Test
    void descriptorsThatContradictThemselvesAreRejectedBeforeAnyProcessStarts() {
        byte[] artifact = Descriptors.goodModel(1);
        ModelDescriptor good = Descriptors.forArtifact(artifact);
        ModelDescriptor shortRow = withReference(good, new ReferenceDistributions(List.of(), Map.of(), List.of(List.of(1.0))));
        ModelDescriptor nanRow = withReference(good, new ReferenceDistributions(List.of(), Map.of(),
                List.of(List.of(1.0, Double.NaN, 2.0))));
        ModelDescriptor binsForNonInput = withReference(good, new ReferenceDistributions(List.of(),
                Map.of("not_an_input", new FeatureBins(List.of(1.0), List.of(0.5, 0.5))), List.of()));
        for (ModelDescriptor descriptor : List.of(shortRow, nanRow, binsForNonInput)) {
            assertThat(validator.cheapChecks(descriptor, artifact).reason()).isEqualTo(RejectReason.INVALID_DESCRIPTOR);
        }
        assertThat(validator.cheapChecks(good, artifact).isAccepted()).isTrue();
    }

    /**
     * Spec versions only append, and a model reads its inputs by name: a model trained on version 1
     * passes the feature check of a registry on the current version, while a registry still on
     * version 1 refuses a model that reads version-2 features, naming them.
     */
    @Test
    void aModelIsCheckedByTheNamesItReadsAcrossSpecVersions() {
        byte[] artifact = Descriptors.goodModel(1);
        ModelDescriptor good = Descriptors.forArtifact(artifact);
        List<String> versionOneNames = FeatureSpec.version(1).names().subList(33, 36);
        List<String> versionTwoNames = List.of("session_cart_add_rate", "user_sessions_7d", "item_price_vs_peers");
        assertThat(FeatureSpec.version(1).names()).doesNotContainAnyElementsOf(versionTwoNames);

        ModelDescriptor versionOneModel = withInputs(good, versionOneNames);
        assertThat(validator.cheapChecks(versionOneModel, artifact).isAccepted()).isTrue();
        ModelDescriptor versionTwoModel = withInputs(good, versionTwoNames);
        assertThat(validator.cheapChecks(versionTwoModel, artifact).isAccepted()).isTrue();

        ModelValidator onVersionOne = new ModelValidator(TestRegistry.validation(), FeatureSpec.version(1)::has);
        assertThat(onVersionOne.cheapChecks(versionOneModel, artifact).isAccepted()).isTrue();
        ValidationResult refused = onVersionOne.cheapChecks(versionTwoModel, artifact);
        assertThat(refused.reason()).isEqualTo(RejectReason.UNKNOWN_FEATURE);
        assertThat(refused.detail()).contains("session_cart_add_rate", "user_sessions_7d", "item_price_vs_peers");
    }

    @Test
    void referenceRowsCoverSamplesZerosAndBinEdges() {
        float[][] rows = ReferenceRows.of(Descriptors.forArtifact(new byte[] {1}));
        // One sample row, one zero row, one row per edge of the widest histogram (3 edges).
        assertThat(rows).hasNumberOfRows(5);
        assertThat(rows[0]).containsExactly(1f, 2f, 3f);
        assertThat(rows[1]).containsExactly(0f, 0f, 0f);
        assertThat(rows[4]).containsExactly(50f, 0f, 0f);
    }

    private static ModelDescriptor withInputs(ModelDescriptor d, List<String> inputs) {
        return new ModelDescriptor(d.name(), d.version(), d.sha256(), d.inputTensor(), inputs, d.output(), d.metrics(),
                new ReferenceDistributions(d.reference().scoreQuantiles(), Map.of(), d.reference().sampleRows()),
                d.createdBy());
    }

    private static ModelDescriptor withReference(ModelDescriptor d, ReferenceDistributions reference) {
        return new ModelDescriptor(d.name(), d.version(), d.sha256(), d.inputTensor(), d.inputs(), d.output(), d.metrics(),
                reference, d.createdBy());
    }
}
