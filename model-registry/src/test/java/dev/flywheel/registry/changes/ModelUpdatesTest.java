package dev.flywheel.registry.changes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.embedded.EmbeddedKafkaExtension;
import dev.flywheel.events.Topics;
import dev.flywheel.models.ModelStatus;
import dev.flywheel.models.ModelJson;
import dev.flywheel.models.ServingConfig;
import dev.flywheel.models.ServingVariant;
import dev.flywheel.registry.RegistryService;
import dev.flywheel.registry.api.AliasUpdate;
import dev.flywheel.registry.client.RegistryClient;
import dev.flywheel.registry.store.FileSystemModelStore;
import dev.flywheel.registry.testing.Descriptors;
import dev.flywheel.registry.testing.TestRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * After every serving-affecting change, a consumer that reads model-updates from the beginning
 * and keeps the last value per key knows the complete current configuration, including after a
 * restart of the registry on the same store.
 */
class ModelUpdatesTest {
    private static final String OTHER = "search-ranker";

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @TempDir
    Path storeDir;

    @Test
    void everyChangeLeavesTheCompleteConfigurationOnTheTopic() {
        KAFKA.kafka().createTopic(Topics.MODEL_UPDATES, 2, Map.of("cleanup.policy", "compact"));
        String bootstrap = KAFKA.kafka().bootstrapServers();
        String m = Descriptors.MODEL;
        List<ServingConfig> afterRestart;
        try (RegistryService service = TestRegistry.start(FileSystemModelStore.open(storeDir), bootstrap)) {
            RegistryClient client = TestRegistry.editor(service);

            register(client, m, 1);
            assertVariants(m, client, Map.of("champion", 1), Map.of("champion", 1.0));

            register(client, m, 2);
            register(client, m, 3);
            register(client, OTHER, 4);
            assertVariants(OTHER, client, Map.of("champion", 1), Map.of("champion", 1.0));
            assertCurrent(m, client);

            client.setAliases(m, new AliasUpdate(1, 2, 3, 0.2, 0.5));
            assertVariants(m, client, Map.of("champion", 1, "challenger", 2, "shadow", 3),
                    Map.of("champion", 0.8, "challenger", 0.2, "shadow", 0.5));

            client.setAliases(m, new AliasUpdate(1, 2, 3, 0.35, 0.5));
            assertVariants(m, client, Map.of("champion", 1, "challenger", 2, "shadow", 3),
                    Map.of("champion", 0.65, "challenger", 0.35, "shadow", 0.5));

            client.promote(m);
            assertVariants(m, client, Map.of("champion", 2, "shadow", 3), Map.of("champion", 1.0, "shadow", 0.5));

            client.rollback(m);
            assertVariants(m, client, Map.of("champion", 1, "shadow", 3), Map.of("champion", 1.0, "shadow", 0.5));

            long before = KAFKA.kafka().count(Topics.MODEL_UPDATES);
            byte[] broken = {1, 2, 3};
            assertThat(client.register(Descriptors.forArtifact(m, broken), broken).status()).isEqualTo(ModelStatus.REJECTED);
            assertThat(KAFKA.kafka().count(Topics.MODEL_UPDATES)).as("a rejected version changes nothing that serves").isEqualTo(before);

            ServingConfig last = latest().get(m);
            ServingVariant champion = last.variant("champion").orElseThrow();
            assertThat(champion.artifactUri()).isEqualTo(service.url() + "/models/" + m + "/versions/1/artifact");
            assertThat(champion.sha256()).isEqualTo(RegistryClient.sha256(Descriptors.goodModel(1)));
            assertThat(champion.inputs()).isEqualTo(Descriptors.FEATURES);
            assertThat(client.download(m, champion.version())).isEqualTo(Descriptors.goodModel(1));
            afterRestart = List.of(latest().get(m), latest().get(OTHER));
        }

        try (RegistryService restarted = TestRegistry.start(FileSystemModelStore.open(storeDir), bootstrap)) {
            RegistryClient client = TestRegistry.reader(restarted);
            assertThat(client.versions(m)).hasSize(4);
            assertThat(client.model(m).championHistory()).containsExactly();
            for (ServingConfig before : afterRestart) {
                ServingConfig now = client.servingConfig(before.model());
                assertThat(now.revision()).isEqualTo(before.revision());
                assertThat(now.updatedAt()).isEqualTo(before.updatedAt());
                assertThat(withoutHost(now.variants())).isEqualTo(withoutHost(before.variants()));
                assertCurrent(before.model(), client);
            }
        }
    }

    private static void register(RegistryClient client, String model, int seed) {
        byte[] artifact = Descriptors.goodModel(seed);
        assertThat(client.register(Descriptors.forArtifact(model, artifact), artifact).status()).isEqualTo(ModelStatus.READY);
    }

    /** The topic's last value for the model equals what the registry serves, and has these versions and shares. */
    private void assertVariants(String model, RegistryClient client, Map<String, Integer> versions, Map<String, Double> shares) {
        ServingConfig onTopic = assertCurrent(model, client);
        Map<String, Integer> actualVersions = new LinkedHashMap<>();
        Map<String, Double> actualShares = new LinkedHashMap<>();
        for (ServingVariant variant : onTopic.variants()) {
            actualVersions.put(variant.role(), variant.version());
            actualShares.put(variant.role(), variant.trafficShare());
        }
        assertThat(actualVersions).isEqualTo(versions);
        assertThat(actualShares).hasSameSizeAs(shares);
        shares.forEach((role, share) -> assertThat(actualShares.get(role)).as(role).isCloseTo(share, org.assertj.core.data.Offset.offset(1e-9)));
    }

    private ServingConfig assertCurrent(String model, RegistryClient client) {
        ServingConfig onTopic = latest().get(model);
        ServingConfig served = client.servingConfig(model);
        assertThat(onTopic).as("model-updates has a record for " + model).isNotNull();
        assertThat(onTopic).isEqualTo(served);
        return onTopic;
    }

    /** What a new consumer learns: read from the beginning, keep the last value per key. */
    private static Map<String, ServingConfig> latest() {
        Map<String, ServingConfig> byModel = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : KAFKA.kafka().readAll(Topics.MODEL_UPDATES, Duration.ofSeconds(30))) {
            ServingConfig config = ModelJson.servingConfig(record.value());
            assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo(config.model());
            ServingConfig previous = byModel.put(config.model(), config);
            if (previous != null) {
                assertThat(config.revision()).as("revisions of one model arrive in order").isGreaterThanOrEqualTo(previous.revision());
            }
        }
        return byModel;
    }

    /** A restarted registry on another port names another host in artifact URIs; the rest must match. */
    private static List<ServingVariant> withoutHost(List<ServingVariant> variants) {
        return variants.stream().map(v -> new ServingVariant(v.role(), v.version(), v.trafficShare(),
                v.artifactUri().replaceFirst("^http://[^/]+", ""), v.sha256(), v.inputTensor(), v.inputs(), v.output())).toList();
    }
}
