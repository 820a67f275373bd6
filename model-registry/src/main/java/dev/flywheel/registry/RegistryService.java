package dev.flywheel.registry;

import dev.flywheel.features.SearchRankingFeatures;
import dev.flywheel.http.HardenedHttpServer;
import dev.flywheel.http.HttpLimits;
import dev.flywheel.registry.changes.ChangePublisher;
import dev.flywheel.registry.changes.KafkaChangePublisher;
import dev.flywheel.registry.http.Credentials;
import dev.flywheel.registry.http.RegistryHttpServer;
import dev.flywheel.registry.metrics.RegistryMetrics;
import dev.flywheel.registry.store.FileSystemModelStore;
import dev.flywheel.registry.store.ModelStore;
import dev.flywheel.registry.validation.ModelValidator;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running registry: store, validator, change publisher, HTTP API and metrics, wired from one
 * {@link Config}. Used by the {@code serve} command, the local stack and tests.
 */
public final class RegistryService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryService.class);

    /**
     * @param store          where versions live ({@link FileSystemModelStore} by default)
     * @param bindAddress    interface to listen on
     * @param port           0 picks a free port
     * @param publicUrl      base of artifact URIs in serving configs; null: http://bindAddress:port
     * @param kafkaBootstrap brokers for model-updates; null only in local mode (changes then go unannounced)
     * @param editorToken    bearer token for writes
     * @param readerToken    bearer token for reads
     * @param localMode      allow default tokens and no Kafka, for a developer machine
     * @param validation     validator limits
     * @param knownFeature   names the feature spec can supply
     */
    public record Config(ModelStore store, String bindAddress, int port, String publicUrl, String kafkaBootstrap,
                         String editorToken, String readerToken, boolean localMode,
                         ModelValidator.Settings validation, Predicate<String> knownFeature) {
        public Config {
            Objects.requireNonNull(store, "store");
            Objects.requireNonNull(bindAddress, "bindAddress");
            Objects.requireNonNull(validation, "validation");
            knownFeature = Objects.requireNonNullElse(knownFeature, SearchRankingFeatures::known);
        }

        /** A local-mode registry on a filesystem store, loopback only, without Kafka. */
        public static Config local(Path storeDir) {
            return new Config(FileSystemModelStore.open(storeDir), "127.0.0.1", 0, null, null, null, null, true,
                    ModelValidator.Settings.defaults(), null);
        }

        public Config withKafka(String bootstrap) {
            return new Config(store, bindAddress, port, publicUrl, bootstrap, editorToken, readerToken, localMode, validation, knownFeature);
        }

        public Config withTokens(String editor, String reader, boolean local) {
            return new Config(store, bindAddress, port, publicUrl, kafkaBootstrap, editor, reader, local, validation, knownFeature);
        }

    }

    private final ModelRegistry registry;
    private final RegistryHttpServer http;
    private final ChangePublisher publisher;
    private final String url;

    private RegistryService(ModelRegistry registry, RegistryHttpServer http, ChangePublisher publisher, String url) {
        this.registry = registry;
        this.http = http;
        this.publisher = publisher;
        this.url = url;
    }

    /**
     * Checks the configuration, recovers interrupted work from the store, republishes every
     * model's serving configuration, and starts serving HTTP.
     *
     * @throws IllegalStateException if the configuration is not fit to run (weak tokens, no Kafka outside local mode)
     */
    public static RegistryService start(Config config) {
        Credentials credentials = Credentials.of(config.editorToken(), config.readerToken(), config.localMode());
        if (config.kafkaBootstrap() == null && !config.localMode()) {
            throw new IllegalStateException("refusing to start: no Kafka bootstrap servers for model-updates (or run with --local)");
        }
        ChangePublisher publisher = config.kafkaBootstrap() == null ? ChangePublisher.NONE
                : new KafkaChangePublisher(config.kafkaBootstrap());
        if (config.kafkaBootstrap() == null) {
            LOG.warn("Local mode without Kafka: changes are not announced on model-updates");
        }
        RegistryMetrics metrics = new RegistryMetrics(config.store());
        RegistryHttpServer http = null;
        try {
            http = new RegistryHttpServer(credentials, metrics, new InetSocketAddress(config.bindAddress(), config.port()),
                    httpLimits(config.validation()));
            String url = config.publicUrl() != null ? config.publicUrl() : "http://" + config.bindAddress() + ":" + http.port();
            ModelRegistry registry = new ModelRegistry(config.store(), new ModelValidator(config.validation(), config.knownFeature()),
                    publisher, metrics, url, Clock.systemUTC());
            registry.recover();
            http.start(registry);
            LOG.info("Model registry serving at {} ({} mode)", url, config.localMode() ? "local" : "production");
            return new RegistryService(registry, http, publisher, url);
        } catch (RuntimeException e) {
            if (http != null) {
                http.close();
            }
            publisher.close();
            throw e;
        }
    }

    /**
     * The project's HTTP defaults (docs/model-registry.md#http-limits), with a body limit that fits
     * the largest artifact the validator accepts, base64-encoded, plus 8 MiB for its descriptor
     * and reference distributions.
     */
    static HttpLimits httpLimits(ModelValidator.Settings validation) {
        long maxBody = validation.maxArtifactBytes() / 3 * 4 + 8L * 1024 * 1024;
        return HttpLimits.defaults().withMaxRequestBodyBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBody));
    }

    public String url() {
        return url;
    }

    public int port() {
        return http.port();
    }

    /** The HTTP server underneath: its limits and connection counts. */
    public HardenedHttpServer transport() {
        return http.transport();
    }

    public ModelRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        http.close();
        publisher.close();
    }
}
