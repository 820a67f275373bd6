package dev.flywheel.registry.client;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.flywheel.models.ModelContracts;
import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.models.ModelJson;
import dev.flywheel.models.ModelVersion;
import dev.flywheel.models.ServingConfig;
import dev.flywheel.registry.api.AliasUpdate;
import dev.flywheel.registry.api.ErrorBody;
import dev.flywheel.registry.api.ModelSummary;
import dev.flywheel.registry.api.RegisterRequest;
import dev.flywheel.registry.api.Sha256;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Java client of the registry's HTTP API, for jobs, the trainer and the CLI. Thread-safe.
 *
 * <pre>{@code
 * RegistryClient registry = new RegistryClient(URI.create("http://registry:8095"), token);
 * ModelVersion v = registry.register(descriptor, onnxBytes);   // READY or REJECTED with a reason
 * registry.setAliases("purchase-propensity", new AliasUpdate(champion, v.version(), 0, 0.1, 0));
 * }</pre>
 *
 * <p>Every failure is a {@link RegistryClientException} carrying the HTTP status and the
 * registry's error code.
 */
public final class RegistryClient {
    private static final Duration REGISTER_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final URI base;
    private final String token;
    private final HttpClient http;

    /** @param token bearer token: a reader token for reads, an editor token for writes */
    public RegistryClient(URI base, String token) {
        String text = base.toString();
        this.base = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
        this.token = Objects.requireNonNull(token, "token");
        // HTTP/1.1: the JDK server speaks nothing else, and an h2c upgrade offer on every request only costs time.
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** Hex SHA-256 of an artifact, as a descriptor needs it. */
    public static String sha256(byte[] artifact) {
        return Sha256.hex(artifact);
    }

    /**
     * Registers a new version and waits for validation. The registry assigns the version number.
     *
     * @return the version, READY, or REJECTED with {@link ModelVersion#reason()} and {@link ModelVersion#detail()}
     */
    public ModelVersion register(ModelDescriptor descriptor, byte[] artifact) {
        byte[] body = ModelJson.encode(new RegisterRequest(descriptor, Base64.getEncoder().encodeToString(artifact)));
        HttpRequest request = request(modelPath(descriptor.name()) + "/versions", REGISTER_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        HttpResponse<byte[]> response = send(request);
        if (response.statusCode() == 422) {
            return ModelJson.modelVersion(response.body());
        }
        return ModelJson.modelVersion(expectOk(response));
    }

    public List<String> listModels() {
        return decode(get("/models"), new TypeReference<List<String>>() { });
    }

    public ModelSummary model(String name) {
        return ModelJson.decode(get(modelPath(name)), ModelSummary.class);
    }

    public List<ModelVersion> versions(String name) {
        return decode(get(modelPath(name) + "/versions"), new TypeReference<List<ModelVersion>>() { });
    }

    public ModelVersion describe(String name, int version) {
        return ModelJson.modelVersion(get(versionPath(name, version)));
    }

    /**
     * The artifact's bytes, checked against the sha256 the registry holds for it.
     *
     * @throws RegistryClientException with code SHA256_MISMATCH if the bytes arrived altered
     */
    public byte[] download(String name, int version) {
        HttpResponse<byte[]> response = send(request(versionPath(name, version) + "/artifact", TIMEOUT).GET().build());
        byte[] bytes = expectOk(response);
        String expected = response.headers().firstValue("X-Model-Sha256").orElse("");
        String actual = sha256(bytes);
        if (!actual.equals(expected)) {
            throw new RegistryClientException(response.statusCode(), "SHA256_MISMATCH",
                    name + "/" + version + " arrived with sha256 " + actual + ", registry says " + expected, null);
        }
        return bytes;
    }

    public ServingConfig servingConfig(String name) {
        return ModelJson.servingConfig(get(modelPath(name) + "/serving"));
    }

    public ServingConfig setAliases(String name, AliasUpdate update) {
        return ModelJson.servingConfig(write("PUT", modelPath(name) + "/aliases", ModelJson.encode(update)));
    }

    /** Promotes the current challenger to champion. */
    public ServingConfig promote(String name) {
        return ModelJson.servingConfig(write("POST", modelPath(name) + "/promote", new byte[0]));
    }

    /** Makes {@code version} champion; the old champion can be brought back with {@link #rollback}. */
    public ServingConfig promote(String name, int version) {
        return ModelJson.servingConfig(write("POST", modelPath(name) + "/promote", ModelJson.encode(Map.of("version", version))));
    }

    public ServingConfig rollback(String name) {
        return ModelJson.servingConfig(write("POST", modelPath(name) + "/rollback", new byte[0]));
    }

    public ModelVersion archive(String name, int version) {
        return ModelJson.modelVersion(write("POST", versionPath(name, version) + "/archive", new byte[0]));
    }

    private static String modelPath(String name) {
        // Validated here too, so a bad name fails fast with a clear message instead of a 400.
        return "/models/" + ModelContracts.requireModelName(name);
    }

    private static String versionPath(String name, int version) {
        if (version < 1) {
            throw new IllegalArgumentException("version must be >= 1, was " + version);
        }
        return modelPath(name) + "/versions/" + version;
    }

    private byte[] get(String path) {
        return expectOk(send(request(path, TIMEOUT).GET().build()));
    }

    private byte[] write(String method, String path, byte[] body) {
        HttpRequest request = request(path, TIMEOUT).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body)).build();
        return expectOk(send(request));
    }

    private HttpRequest.Builder request(String path, Duration timeout) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout).header("Authorization", "Bearer " + token);
    }

    private HttpResponse<byte[]> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new RegistryClientException(0, "UNREACHABLE", "cannot reach the registry at " + base + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryClientException(0, "UNREACHABLE", "interrupted while calling the registry", e);
        }
    }

    private static byte[] expectOk(HttpResponse<byte[]> response) {
        if (response.statusCode() / 100 == 2) {
            return response.body();
        }
        String code = "HTTP_" + response.statusCode();
        String message = response.request().method() + " " + response.request().uri().getPath() + " -> " + response.statusCode();
        try {
            ErrorBody error = ModelJson.decode(response.body(), ErrorBody.class);
            code = error.error();
            message = error.message();
        } catch (IllegalArgumentException notAnErrorBody) {
            // Not our JSON (a proxy's page, say): keep the status line.
        }
        throw new RegistryClientException(response.statusCode(), code, message, null);
    }

    private static <T> T decode(byte[] json, TypeReference<T> type) {
        try {
            return ModelJson.mapper().readValue(json, type);
        } catch (IOException e) {
            throw new IllegalArgumentException("unexpected response: " + e.getMessage(), e);
        }
    }
}
