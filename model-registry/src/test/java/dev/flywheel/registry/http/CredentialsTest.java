package dev.flywheel.registry.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.registry.RegistryService;
import dev.flywheel.registry.store.InMemoryModelStore;
import dev.flywheel.registry.testing.TestRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CredentialsTest {
    private static final String STRONG_READER = TestRegistry.READER_TOKEN;

    @ParameterizedTest(name = "editor token ''{0}''")
    @CsvSource(value = {"NULL", "''", "'   '", "changeme", "CHANGEME", "secret", "admin", "local-editor-token", "short-token"},
            nullValues = "NULL")
    void productionModeRefusesWeakEditorTokens(String token) {
        assertThatThrownBy(() -> Credentials.of(token, STRONG_READER, false))
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("refusing to start");
    }

    @Test
    void productionModeRefusesAMissingReaderTokenAndSharedTokens() {
        assertThatThrownBy(() -> Credentials.of(TestRegistry.EDITOR_TOKEN, null, false)).hasMessageContaining("no reader token");
        assertThatThrownBy(() -> Credentials.of(TestRegistry.EDITOR_TOKEN, TestRegistry.EDITOR_TOKEN, false))
                .hasMessageContaining("the same");
    }

    @Test
    void theServiceRefusesToStartWithDefaultsUnlessLocal() {
        RegistryService.Config production = new RegistryService.Config(new InMemoryModelStore(), "127.0.0.1", 0, null,
                "localhost:1", "", "", false, TestRegistry.validation(), null);
        assertThatThrownBy(() -> RegistryService.start(production)).hasMessageStartingWith("refusing to start");

        RegistryService.Config noKafka = production.withTokens(TestRegistry.EDITOR_TOKEN, STRONG_READER, false).withKafka(null);
        assertThatThrownBy(() -> RegistryService.start(noKafka)).hasMessageContaining("no Kafka");

        try (RegistryService local = RegistryService.start(production.withKafka(null).withTokens(null, null, true))) {
            assertThat(local.port()).isPositive();
        }
    }

    @Test
    void localModeFillsInTheLocalTokensAndRolesFollowTheToken() {
        Credentials local = Credentials.of(null, "", true);
        assertThat(local.authenticate("Bearer " + Credentials.LOCAL_EDITOR)).contains(Role.EDITOR);
        assertThat(local.authenticate("bearer " + Credentials.LOCAL_READER)).contains(Role.READER);
        assertThat(local.authenticate("Bearer nope")).isEmpty();
        assertThat(local.authenticate(null)).isEmpty();
        assertThat(Role.EDITOR.allows(Role.EDITOR)).isTrue();
        assertThat(Role.READER.allows(Role.EDITOR)).isFalse();
    }
}
