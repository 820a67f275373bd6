package dev.flywheel.registry.testing;

import dev.flywheel.registry.RegistryService;
import dev.flywheel.registry.client.RegistryClient;
import dev.flywheel.registry.store.ModelStore;
import dev.flywheel.registry.validation.ModelValidator;
import java.net.URI;
import java.time.Duration;

/** Starts registries the way tests need them: strong tokens, small limits, the crash hook armed. */
public final class TestRegistry {
    public static final String EDITOR_TOKEN = "editor-token-for-tests-0123456789";
    public static final String READER_TOKEN = "reader-token-for-tests-0123456789";
    /** Artifacts containing this string crash the validator child (see ModelValidator.Settings#crashMarker). */
    public static final String CRASH_MARKER = "flywheel-test-crash-the-validator";
    public static final long MAX_ARTIFACT_BYTES = 256 * 1024;

    private TestRegistry() {
    }

    public static ModelValidator.Settings validation() {
        return new ModelValidator.Settings(MAX_ARTIFACT_BYTES, Duration.ofSeconds(60), "256m", CRASH_MARKER);
    }

    /** Production mode (tokens checked) on loopback; Kafka optional. */
    public static RegistryService start(ModelStore store, String kafkaBootstrap) {
        RegistryService.Config config = new RegistryService.Config(store, "127.0.0.1", 0, null, kafkaBootstrap,
                EDITOR_TOKEN, READER_TOKEN, kafkaBootstrap == null, validation(), null);
        return RegistryService.start(config);
    }

    public static RegistryClient editor(RegistryService service) {
        return new RegistryClient(URI.create(service.url()), EDITOR_TOKEN);
    }

    public static RegistryClient reader(RegistryService service) {
        return new RegistryClient(URI.create(service.url()), READER_TOKEN);
    }
}
