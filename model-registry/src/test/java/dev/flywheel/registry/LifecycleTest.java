package dev.flywheel.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.models.ModelStatus;
import dev.flywheel.models.ModelVersion;
import dev.flywheel.models.ServingConfig;
import dev.flywheel.registry.api.AliasUpdate;
import dev.flywheel.registry.client.RegistryClient;
import dev.flywheel.registry.client.RegistryClientException;
import dev.flywheel.registry.store.FileSystemModelStore;
import dev.flywheel.registry.store.ModelStore;
import dev.flywheel.registry.testing.Descriptors;
import dev.flywheel.registry.testing.TestRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Status lifecycle, aliases, promote, rollback and archive through the client; recovery on restart. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LifecycleTest {
    private static final String M = Descriptors.MODEL;
    @TempDir
    static Path dir;
    private RegistryService service;
    private RegistryClient client;

    @BeforeAll
    void start() {
        service = TestRegistry.start(FileSystemModelStore.open(dir.resolve("main")), null);
        client = TestRegistry.editor(service);
        for (int seed = 1; seed <= 4; seed++) {
            ModelVersion v = client.register(Descriptors.forArtifact(Descriptors.goodModel(seed)), Descriptors.goodModel(seed));
            assertThat(v.status()).isEqualTo(ModelStatus.READY);
            assertThat(v.version()).isEqualTo(seed);
        }
    }

    @AfterAll
    void stop() {
        service.close();
    }

    @Test
    void promoteRollbackAndArchiveMoveTheAliasesAsDocumented() {
        assertThat(client.model(M).champion()).as("the first ready version becomes champion").isEqualTo(1);

        ServingConfig split = client.setAliases(M, new AliasUpdate(1, 2, 0, 0.25, 0));
        assertThat(split.variant("challenger").orElseThrow().trafficShare()).isEqualTo(0.25);
        assertThat(split.variant("champion").orElseThrow().trafficShare()).isEqualTo(0.75);

        ServingConfig promoted = client.promote(M);
        assertThat(promoted.variant("champion").orElseThrow().version()).isEqualTo(2);
        assertThat(promoted.variant("challenger")).isEmpty();
        assertThat(client.model(M).championHistory()).containsExactly(1);

        client.promote(M, 3);
        assertThat(client.model(M).championHistory()).containsExactly(1, 2);
        assertThatThrownBy(() -> client.promote(M, 3)).isInstanceOf(RegistryClientException.class)
                .hasMessageContaining("already champion");

        ServingConfig rolledBack = client.rollback(M);
        assertThat(rolledBack.variant("champion").orElseThrow().version()).isEqualTo(2);
        assertThat(client.model(M).championHistory()).containsExactly(1);

        RegistryClientException holdsAlias = (RegistryClientException) org.assertj.core.api.Assertions.catchThrowable(
                () -> client.archive(M, 2));
        assertThat(holdsAlias.status()).isEqualTo(409);
        assertThat(client.archive(M, 1).status()).isEqualTo(ModelStatus.ARCHIVED);
        assertThat(client.model(M).championHistory()).as("an archived version is no rollback target").isEmpty();
        assertThatThrownBy(() -> client.rollback(M)).hasMessageContaining("no previous champion");
        assertThatThrownBy(() -> client.promote(M, 1)).hasMessageContaining("ARCHIVED");
        assertThatThrownBy(() -> client.promote(M)).hasMessageContaining("no challenger");
        assertThat(client.servingConfig(M).variant("champion").orElseThrow().version()).isEqualTo(2);
    }

    @Test
    void invalidAliasRequestsAreRefusedWithoutAChange() {
        long revision = client.servingConfig(M).revision();
        for (AliasUpdate bad : new AliasUpdate[] {
                new AliasUpdate(4, 0, 0, 0.5, 0),      // share without a challenger
                new AliasUpdate(4, 3, 0, 1.5, 0),      // share above 1
                new AliasUpdate(4, 99, 0, 0.1, 0),     // unknown version
                new AliasUpdate(0, 3, 0, 0.1, 0),      // challenger without a champion
                new AliasUpdate(4, 0, 3, 0, -0.1)}) {  // negative share
            RegistryClientException refused = (RegistryClientException) org.assertj.core.api.Assertions.catchThrowable(
                    () -> client.setAliases(M, bad));
            assertThat(refused).as(bad.toString()).isNotNull();
            assertThat(refused.status()).as(bad.toString()).isIn(400, 404);
        }
        assertThat(client.servingConfig(M).revision()).isEqualTo(revision);
    }

    @Test
    void unknownModelsAndVersionsAreNotFound() {
        assertThat(statusOf(() -> client.versions("no-such-model"))).isEqualTo(404);
        assertThat(statusOf(() -> client.describe(M, 999))).isEqualTo(404);
        assertThat(statusOf(() -> client.download(M, 999))).isEqualTo(404);
        assertThat(statusOf(() -> client.rollback("no-such-model"))).isEqualTo(404);
    }

    @Test
    void versionsLeftPendingOrValidatedByACrashAreFinishedOnStart() {
        Path storeDir = dir.resolve("recovery");
        ModelStore store = FileSystemModelStore.open(storeDir);
        byte[] first = Descriptors.goodModel(1);
        byte[] second = Descriptors.goodModel(2);
        // As a registry killed mid-registration leaves them: one never validated, one validated but not announced.
        store.create(Descriptors.forArtifact(first), first, 1);
        ModelVersion validated = store.create(Descriptors.forArtifact(second), second, 2);
        store.update(validated.withStatus(ModelStatus.VALIDATED, "", "", 3));

        try (RegistryService restarted = TestRegistry.start(FileSystemModelStore.open(storeDir), null)) {
            RegistryClient reader = TestRegistry.reader(restarted);
            assertThat(reader.versions(M)).extracting(ModelVersion::status).containsExactly(ModelStatus.READY, ModelStatus.READY);
            assertThat(reader.servingConfig(M).variant("champion").orElseThrow().version()).isIn(1, 2);
        }
    }

    @Test
    void metricsCountRequestsValidationsRejectionsAndVersionsByStatus() throws Exception {
        byte[] empty = new byte[0];
        client.register(Descriptors.forArtifact("metrics-model", empty), empty);
        String metrics = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest.newBuilder(URI.create(service.url() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics)
                .contains("flywheel_registry_rejections_total{reason=\"EMPTY_ARTIFACT\"} 1.0")
                .containsPattern("flywheel_registry_validations_total\\{outcome=\"accepted\"} [4-9]\\.0")
                .contains("flywheel_registry_versions{model=\"metrics-model\",status=\"REJECTED\"} 1.0")
                .containsPattern("flywheel_registry_requests_total\\{method=\"POST\",route=\"/models/\\{name}/versions\",status=\"201\"} [4-9]\\.0")
                .contains("flywheel_registry_validation_seconds_bucket");
    }

    private static int statusOf(Runnable call) {
        try {
            call.run();
            return 200;
        } catch (RegistryClientException e) {
            return e.status();
        }
    }
}
