package dev.flywheel.registry.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flywheel.http.HardenedHttpServer;
import dev.flywheel.http.HttpLimits;
import dev.flywheel.http.MetricsEndpoint;
import dev.flywheel.http.ServiceRequest;
import dev.flywheel.http.ServiceResponse;
import dev.flywheel.models.ModelContracts;
import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.models.ModelJson;
import dev.flywheel.models.ModelStatus;
import dev.flywheel.models.ModelVersion;
import dev.flywheel.registry.ModelRegistry;
import dev.flywheel.registry.RegistryException;
import dev.flywheel.registry.api.AliasUpdate;
import dev.flywheel.registry.api.ErrorBody;
import dev.flywheel.registry.api.RegisterRequest;
import dev.flywheel.registry.metrics.RegistryMetrics;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's HTTP JSON API on the project's hardened server ({@link HardenedHttpServer}:
 * timeouts, connection and size limits, see docs/model-registry.md#http-limits). See
 * docs/model-registry.md for the endpoints. {@code /health} and {@code /metrics} are open;
 * everything else needs a bearer token, and every write needs an editor token.
 */
public final class RegistryHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryHttpServer.class);
    private static final String VERSION_PATTERN = "[1-9][0-9]{0,8}";

    private final Credentials credentials;
    private final RegistryMetrics metrics;
    private final HardenedHttpServer server;
    private final MetricsEndpoint metricsEndpoint;
    private volatile ModelRegistry registry;
    private volatile List<Route> routes;

    /**
     * Binds the address; {@link #start} begins serving. Two steps so the caller can learn the
     * port (for artifact URIs) before the registry that needs it exists.
     *
     * @param address where to listen; port 0 picks a free one
     * @param limits  timeouts and sizes; the body limit must fit a base64 artifact plus its descriptor
     */
    public RegistryHttpServer(Credentials credentials, RegistryMetrics metrics, InetSocketAddress address,
                              HttpLimits limits) {
        this.credentials = credentials;
        this.metrics = metrics;
        this.metricsEndpoint = new MetricsEndpoint(metrics.prometheusRegistry());
        this.server = HardenedHttpServer.builder("registry")
                .bind(address.getHostString(), address.getPort())
                .limits(limits)
                .handler(this::handle)
                .build()
                .open();
    }

    public void start(ModelRegistry modelRegistry) {
        this.registry = modelRegistry;
        this.routes = routes();
        server.start();
    }

    private List<Route> routes() {
        return List.of(
                new Route("GET", "models", Role.READER, (rq, m, v) -> json(200, registry.modelNames())),
                new Route("GET", "models/{name}", Role.READER, (rq, m, v) -> json(200, registry.summary(m))),
                new Route("GET", "models/{name}/versions", Role.READER, (rq, m, v) -> json(200, registry.versions(m))),
                new Route("POST", "models/{name}/versions", Role.EDITOR, this::register),
                new Route("GET", "models/{name}/versions/{version}", Role.READER, (rq, m, v) -> json(200, registry.version(m, v))),
                new Route("GET", "models/{name}/versions/{version}/artifact", Role.READER, this::download),
                new Route("POST", "models/{name}/versions/{version}/archive", Role.EDITOR,
                        (rq, m, v) -> json(200, registry.archive(m, v))),
                new Route("GET", "models/{name}/serving", Role.READER, (rq, m, v) -> json(200, registry.servingConfig(m))),
                new Route("PUT", "models/{name}/aliases", Role.EDITOR,
                        (rq, m, v) -> json(200, registry.setAliases(m, body(rq, AliasUpdate.class)))),
                new Route("POST", "models/{name}/promote", Role.EDITOR, this::promote),
                new Route("POST", "models/{name}/rollback", Role.EDITOR, (rq, m, v) -> json(200, registry.rollback(m))));
    }

    public int port() {
        return server.port();
    }

    /** The transport underneath, for its connection counts. */
    public HardenedHttpServer transport() {
        return server;
    }

    @Override
    public void close() {
        server.close();
    }

    private ServiceResponse handle(ServiceRequest request) {
        String method = request.method();
        String route = "unmatched";
        ServiceResponse response = null;
        try {
            Optional<List<String>> parsed = PathSegments.parse(request.rawPath());
            if (parsed.isEmpty()) {
                return response = error(400, "INVALID_PATH", "malformed path");
            }
            List<String> segments = parsed.get();
            if (segments.equals(List.of("health"))) {
                route = "/health";
                return response = json(200, Map.of("status", "ok"));
            }
            if (segments.equals(List.of("metrics"))) {
                route = "/metrics";
                return response = metricsEndpoint.scrape(request);
            }
            Optional<Role> role = credentials.authenticate(request.header("Authorization"));
            if (role.isEmpty()) {
                return response = error(401, "UNAUTHENTICATED", "a valid bearer token is required")
                        .withHeader("WWW-Authenticate", "Bearer realm=\"flywheel-model-registry\"");
            }
            Optional<Route> match = routes.stream().filter(r -> r.matches(segments)).findFirst();
            if (match.isEmpty()) {
                return response = error(404, "NOT_FOUND", "no such endpoint");
            }
            route = "/" + match.get().template();
            Optional<Route> withMethod = routes.stream().filter(r -> r.matches(segments) && r.method().equals(method)).findFirst();
            if (withMethod.isEmpty()) {
                return response = error(405, "METHOD_NOT_ALLOWED", method + " is not allowed on " + route);
            }
            Route target = withMethod.get();
            if (!role.get().allows(target.role())) {
                return response = error(403, "FORBIDDEN", "this endpoint needs an " + target.role().name().toLowerCase() + " token");
            }
            String model = segments.size() > 1 ? ModelContracts.requireModelName(segments.get(1)) : null;
            int version = segments.size() > 3 ? Integer.parseInt(segments.get(3)) : 0;
            return response = target.handler().handle(request, model, version);
        } catch (RegistryException e) {
            return response = error(e.status(), e.code(), e.getMessage());
        } catch (IllegalArgumentException e) {
            return response = error(400, "INVALID_REQUEST", e.getMessage());
        } catch (NoSuchElementException e) {
            return response = error(404, "NOT_FOUND", e.getMessage());
        } catch (IOException | RuntimeException e) {
            LOG.error("{} {} failed", method, request.rawPath(), e);
            return response = error(500, "INTERNAL", "internal error; see the registry log");
        } finally {
            // Every request the registry answers is counted here, at the dispatch point, whatever its route.
            metrics.request(method, route, response == null ? 500 : response.status());
        }
    }

    private ServiceResponse register(ServiceRequest http, String model, int ignored) {
        RegisterRequest request = body(http, RegisterRequest.class);
        if (request.descriptor() == null || request.artifactBase64() == null) {
            throw RegistryException.invalid("descriptor and artifact_base64 are required");
        }
        ModelDescriptor descriptor = request.descriptor();
        if (!descriptor.name().equals(model)) {
            throw RegistryException.invalid("descriptor names model " + descriptor.name() + " but the path names " + model);
        }
        byte[] artifact;
        try {
            artifact = Base64.getDecoder().decode(request.artifactBase64());
        } catch (IllegalArgumentException e) {
            throw RegistryException.invalid("artifact_base64 is not base64: " + e.getMessage());
        }
        ModelVersion result = registry.register(descriptor, artifact);
        return json(result.status() == ModelStatus.REJECTED ? 422 : 201, result);
    }

    private ServiceResponse download(ServiceRequest http, String model, int version) {
        ModelVersion record = registry.version(model, version);
        byte[] artifact = registry.artifact(model, version);
        return ServiceResponse.of(200, "application/octet-stream", artifact)
                .withHeader("X-Model-Sha256", record.descriptor().sha256())
                .withHeader("X-Model-Status", record.status().name());
    }

    private ServiceResponse promote(ServiceRequest http, String model, int ignored) {
        byte[] raw = http.body();
        int version = 0;
        if (raw.length > 0) {
            JsonNode node = parse(raw);
            JsonNode field = node.get("version");
            if (field != null && !field.isNull()) {
                if (!field.canConvertToInt() || !field.isIntegralNumber() || field.intValue() < 1) {
                    throw RegistryException.invalid("version must be a positive integer");
                }
                version = field.intValue();
            }
        }
        return json(200, registry.promote(model, version));
    }

    private static <T> T body(ServiceRequest request, Class<T> type) {
        byte[] raw = request.body();
        if (raw.length == 0) {
            throw RegistryException.invalid("a JSON body is required");
        }
        return ModelJson.decode(raw, type);
    }

    private static JsonNode parse(byte[] raw) {
        try {
            JsonNode node = ModelJson.mapper().readTree(raw);
            if (node == null || !node.isObject()) {
                throw RegistryException.invalid("expected a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw RegistryException.invalid("malformed JSON: " + e.getMessage());
        }
    }

    private static ServiceResponse json(int status, Object value) {
        return ServiceResponse.of(status, "application/json", ModelJson.encode(value));
    }

    private static ServiceResponse error(int status, String code, String message) {
        return json(status, new ErrorBody(code, message));
    }

    @FunctionalInterface
    private interface Handler {
        ServiceResponse handle(ServiceRequest request, String model, int version) throws IOException;
    }

    private record Route(String method, String template, Role role, Handler handler) {
        boolean matches(List<String> segments) {
            String[] parts = template.split("/");
            if (parts.length != segments.size()) {
                return false;
            }
            for (int i = 0; i < parts.length; i++) {
                boolean matches = switch (parts[i]) {
                    case "{name}" -> true;
                    case "{version}" -> segments.get(i).matches(VERSION_PATTERN);
                    default -> parts[i].equals(segments.get(i));
                };
                if (!matches) {
                    return false;
                }
            }
            return true;
        }
    }
}
