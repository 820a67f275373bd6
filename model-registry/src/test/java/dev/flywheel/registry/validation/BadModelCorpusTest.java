package dev.flywheel.registry.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.models.ModelStatus;
import dev.flywheel.models.ModelVersion;
import dev.flywheel.models.OutputSpec;
import dev.flywheel.models.ServingConfig;
import dev.flywheel.registry.RegistryService;
import dev.flywheel.registry.client.RegistryClient;
import dev.flywheel.registry.store.InMemoryModelStore;
import dev.flywheel.registry.testing.Descriptors;
import dev.flywheel.registry.testing.OnnxModels;
import dev.flywheel.registry.testing.TestRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of bad model is rejected with its own reason, through the real HTTP API and the
 * real child-process validator, while the registry keeps running and the champion keeps serving.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadModelCorpusTest {
    private static final int FEATURES = Descriptors.FEATURES.size();

    private RegistryService service;
    private RegistryClient client;
    private ServingConfig championConfig;
    private final List<String> seenReasons = new ArrayList<>();

    record BadModel(String kind, RejectReason reason, ModelDescriptor descriptor, byte[] artifact) {
        @Override
        public String toString() {
            return kind;
        }
    }

    static BadModel bad(String kind, RejectReason reason, byte[] artifact) {
        return new BadModel(kind, reason, Descriptors.forArtifact(artifact), artifact);
    }

    static Stream<BadModel> corpus() {
        byte[] good = Descriptors.goodModel(99);
        byte[] random = new byte[4096];
        new Random(42).nextBytes(random);
        ModelDescriptor goodDescriptor = Descriptors.forArtifact(good);
        return Stream.of(
                bad("0 bytes", RejectReason.EMPTY_ARTIFACT, new byte[0]),
                bad("truncated", RejectReason.INVALID_ONNX, Arrays.copyOf(good, good.length / 2)),
                bad("random bytes", RejectReason.INVALID_ONNX, random),
                bad("too large", RejectReason.TOO_LARGE,
                        OnnxModels.logisticRegression(FEATURES).docPadding((int) TestRegistry.MAX_ARTIFACT_BYTES).build()),
                new BadModel("sha256 mismatch", RejectReason.SHA256_MISMATCH,
                        Descriptors.forArtifact(Descriptors.goodModel(98)), good),
                new BadModel("input the feature spec cannot supply", RejectReason.UNKNOWN_FEATURE,
                        new ModelDescriptor(goodDescriptor.name(), 0, goodDescriptor.sha256(), OnnxModels.INPUT,
                                List.of(Descriptors.FEATURES.get(0), "not_a_feature", Descriptors.FEATURES.get(2)),
                                Descriptors.OUTPUT, null, null, "tests"), good),
                bad("wrong input name", RejectReason.INPUT_NAME_MISMATCH,
                        OnnxModels.logisticRegression(FEATURES).inputName("features").build()),
                bad("wrong input shape", RejectReason.INPUT_SHAPE_MISMATCH,
                        OnnxModels.logisticRegression(FEATURES).width(FEATURES + 1).build()),
                bad("wrong input dtype", RejectReason.INPUT_TYPE_MISMATCH,
                        OnnxModels.logisticRegression(FEATURES).doubleInput().build()),
                bad("feature order differs from the model's metadata", RejectReason.FEATURE_ORDER_MISMATCH,
                        OnnxModels.logisticRegression(FEATURES).featureNamesMetadata(
                                String.join(",", Descriptors.FEATURES.get(2), Descriptors.FEATURES.get(1), Descriptors.FEATURES.get(0))).build()),
                new BadModel("output the descriptor does not name", RejectReason.OUTPUT_MISMATCH,
                        new ModelDescriptor(goodDescriptor.name(), 0, goodDescriptor.sha256(), OnnxModels.INPUT, Descriptors.FEATURES,
                                new OutputSpec("scores", List.of("purchase"), "purchase", ""), null, null, "tests"), good),
                new BadModel("more output columns than the model has", RejectReason.OUTPUT_MISMATCH,
                        new ModelDescriptor(goodDescriptor.name(), 0, goodDescriptor.sha256(), OnnxModels.INPUT, Descriptors.FEATURES,
                                new OutputSpec(OnnxModels.OUTPUT, List.of("a", "b", "purchase"), "purchase", ""), null, null, "tests"), good),
                bad("non-finite outputs (division by zero)", RejectReason.NON_FINITE_OUTPUT,
                        OnnxModels.logisticRegression(FEATURES).divideByZero().build()),
                bad("scores outside [0, 1] (raw logits)", RejectReason.OUTPUT_OUT_OF_RANGE,
                        OnnxModels.logisticRegression(FEATURES).withoutSigmoid().bias(3f).build()),
                bad("external-data reference", RejectReason.EXTERNAL_DATA,
                        OnnxModels.logisticRegression(FEATURES).externalWeights().build()),
                bad("crashes the validator", RejectReason.VALIDATOR_CRASHED,
                        OnnxModels.logisticRegression(FEATURES).producer(TestRegistry.CRASH_MARKER).build()));
    }

    @BeforeAll
    void startRegistryWithAChampion() {
        service = TestRegistry.start(new InMemoryModelStore(), null);
        client = TestRegistry.editor(service);
        ModelVersion champion = client.register(Descriptors.forArtifact(Descriptors.goodModel(1)), Descriptors.goodModel(1));
        assertThat(champion.status()).as(champion.reason() + " " + champion.detail()).isEqualTo(ModelStatus.READY);
        championConfig = client.servingConfig(Descriptors.MODEL);
        assertThat(championConfig.variant("champion").orElseThrow().version()).isEqualTo(1);
    }

    @AfterAll
    void stop() {
        if (service != null) {
            service.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void isRejectedWithItsReasonAndTheChampionKeepsServing(BadModel bad) throws Exception {
        ModelVersion verdict = client.register(bad.descriptor(), bad.artifact());

        assertThat(verdict.status()).isEqualTo(ModelStatus.REJECTED);
        assertThat(verdict.reason()).as(verdict.detail()).isEqualTo(bad.reason().name());
        assertThat(verdict.detail()).isNotBlank();
        assertThat(client.describe(Descriptors.MODEL, verdict.version()).status()).isEqualTo(ModelStatus.REJECTED);
        seenReasons.add(verdict.reason());

        HttpResponse<String> health = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                HttpRequest.newBuilder(URI.create(service.url() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        ServingConfig now = client.servingConfig(Descriptors.MODEL);
        assertThat(now.variants()).isEqualTo(championConfig.variants());
        assertThat(now.revision()).isEqualTo(championConfig.revision());
        assertThat(client.download(Descriptors.MODEL, 1)).isEqualTo(Descriptors.goodModel(1));
    }

    @Test
    void aRejectedVersionCannotTakeAnAlias() {
        byte[] broken = new byte[] {1, 2, 3};
        ModelVersion rejected = client.register(Descriptors.forArtifact(broken), broken);
        assertThat(rejected.status()).isEqualTo(ModelStatus.REJECTED);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.promote(Descriptors.MODEL, rejected.version()))
                .hasMessageContaining("REJECTED");
        assertThat(client.servingConfig(Descriptors.MODEL).variants()).isEqualTo(championConfig.variants());
    }
}
