package dev.flywheel.registry.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
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
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's HTTP JSON API on the JDK's built-in server. See docs/model-registry.md for the
 * endpoints. {@code /health} and {@code /metrics} are open; everything else needs a bearer
 * token, and every write needs an editor token.
 */
public final class RegistryHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryHttpServer.class);
    private static final String VERSION_PATTERN = "[1-9][0-9]{0,8}";

    static {
        // The JDK server writes headers and body separately; with Nagle on, the client's delayed ACK
        // adds about 40 ms to every response. Read once, when the first server is created.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final Credentials credentials;
    private final RegistryMetrics metrics;
    private final long maxBodyBytes;
    private final HttpServer server;
    private final ExecutorService executor;
    private final MetricsHandler metricsHandler;
    private ModelRegistry registry;
    private List<Route> routes;

    /**
     * Binds the address; {@link #start} begins serving. Two steps so the caller can learn the
     * port (for artifact URIs) before the registry that needs it exists.
     *
     * @param address      where to listen; port 0 picks a free one
     * @param maxBodyBytes largest request body (a base64 artifact plus its descriptor)
     */
    public RegistryHttpServer(Credentials credentials, RegistryMetrics metrics, InetSocketAddress address,
                              long maxBodyBytes) throws IOException {
        this.credentials = credentials;
        this.metrics = metrics;
        this.maxBodyBytes = maxBodyBytes;
        this.metricsHandler = new MetricsHandler(metrics.prometheusRegistry());
        this.server = HttpServer.create(address, 64);
        this.executor = Executors.newFixedThreadPool(8, runnable -> {
            Thread thread = new Thread(runnable, "registry-http");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    public void start(ModelRegistry modelRegistry) {
        this.registry = modelRegistry;
        this.routes = routes();
        server.start();
    }

    private List<Route> routes() {
        return List.of(
                new Route("GET", "models", Role.READER, (ex, m, v) -> json(ex, 200, registry.modelNames())),
                new Route("GET", "models/{name}", Role.READER, (ex, m, v) -> json(ex, 200, registry.summary(m))),
                new Route("GET", "models/{name}/versions", Role.READER, (ex, m, v) -> json(ex, 200, registry.versions(m))),
                new Route("POST", "models/{name}/versions", Role.EDITOR, this::register),
                new Route("GET", "models/{name}/versions/{version}", Role.READER, (ex, m, v) -> json(ex, 200, registry.version(m, v))),
                new Route("GET", "models/{name}/versions/{version}/artifact", Role.READER, this::download),
                new Route("POST", "models/{name}/versions/{version}/archive", Role.EDITOR,
                        (ex, m, v) -> json(ex, 200, registry.archive(m, v))),
                new Route("GET", "models/{name}/serving", Role.READER, (ex, m, v) -> json(ex, 200, registry.servingConfig(m))),
                new Route("PUT", "models/{name}/aliases", Role.EDITOR,
                        (ex, m, v) -> json(ex, 200, registry.setAliases(m, body(ex, AliasUpdate.class)))),
                new Route("POST", "models/{name}/promote", Role.EDITOR, this::promote),
                new Route("POST", "models/{name}/rollback", Role.EDITOR, (ex, m, v) -> json(ex, 200, registry.rollback(m))));
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        String route = "unmatched";
        try {
            Optional<List<String>> parsed = PathSegments.parse(exchange.getRequestURI().getRawPath());
            if (parsed.isEmpty()) {
                error(exchange, 400, "INVALID_PATH", "malformed path");
                return;
            }
            List<String> segments = parsed.get();
            if (segments.equals(List.of("health"))) {
                route = "/health";
                json(exchange, 200, Map.of("status", "ok"));
                return;
            }
            if (segments.equals(List.of("metrics"))) {
                route = "/metrics";
                metricsHandler.handle(exchange);
                return;
            }
            Optional<Role> role = credentials.authenticate(exchange.getRequestHeaders().getFirst("Authorization"));
            if (role.isEmpty()) {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"flywheel-model-registry\"");
                error(exchange, 401, "UNAUTHENTICATED", "a valid bearer token is required");
                return;
            }
            Optional<Route> match = routes.stream().filter(r -> r.matches(segments)).findFirst();
            if (match.isEmpty()) {
                error(exchange, 404, "NOT_FOUND", "no such endpoint");
                return;
            }
            route = "/" + match.get().template();
            Optional<Route> withMethod = routes.stream().filter(r -> r.matches(segments) && r.method().equals(method)).findFirst();
            if (withMethod.isEmpty()) {
                error(exchange, 405, "METHOD_NOT_ALLOWED", method + " is not allowed on " + route);
                return;
            }
            Route target = withMethod.get();
            if (!role.get().allows(target.role())) {
                error(exchange, 403, "FORBIDDEN", "this endpoint needs an " + target.role().name().toLowerCase() + " token");
                return;
            }
            String model = segments.size() > 1 ? ModelContracts.requireModelName(segments.get(1)) : null;
            int version = segments.size() > 3 ? Integer.parseInt(segments.get(3)) : 0;
            target.handler().handle(exchange, model, version);
        } catch (RegistryException e) {
            error(exchange, e.status(), e.code(), e.getMessage());
        } catch (IllegalArgumentException e) {
            error(exchange, 400, "INVALID_REQUEST", e.getMessage());
        } catch (NoSuchElementException e) {
            error(exchange, 404, "NOT_FOUND", e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("{} {} failed", method, exchange.getRequestURI(), e);
            error(exchange, 500, "INTERNAL", "internal error; see the registry log");
        } finally {
            // Closed here, not by try-with-resources, which would close before the catch blocks answer.
            exchange.close();
            metrics.request(method, route, exchange.getResponseCode());
        }
    }

    private void register(HttpExchange exchange, String model, int ignored) throws IOException {
        RegisterRequest request = body(exchange, RegisterRequest.class);
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
        json(exchange, result.status() == ModelStatus.REJECTED ? 422 : 201, result);
    }

    private void download(HttpExchange exchange, String model, int version) throws IOException {
        ModelVersion record = registry.version(model, version);
        byte[] artifact = registry.artifact(model, version);
        exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
        exchange.getResponseHeaders().set("X-Model-Sha256", record.descriptor().sha256());
        exchange.getResponseHeaders().set("X-Model-Status", record.status().name());
        exchange.sendResponseHeaders(200, artifact.length == 0 ? -1 : artifact.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(artifact);
        }
    }

    private void promote(HttpExchange exchange, String model, int ignored) throws IOException {
        byte[] raw = readBody(exchange);
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
        json(exchange, 200, registry.promote(model, version));
    }

    private <T> T body(HttpExchange exchange, Class<T> type) throws IOException {
        byte[] raw = readBody(exchange);
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

    private byte[] readBody(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
            if (body.length > maxBodyBytes) {
                throw new RegistryException(413, "TOO_LARGE", "request body exceeds " + maxBodyBytes + " bytes");
            }
            return body;
        }
    }

    private static void json(HttpExchange exchange, int status, Object value) throws IOException {
        byte[] body = ModelJson.encode(value);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static void error(HttpExchange exchange, int status, String code, String message) {
        if (exchange.getResponseCode() != -1) {
            return; // headers already went out; nothing sensible left to send
        }
        try {
            json(exchange, status, new ErrorBody(code, message));
        } catch (IOException e) {
            LOG.debug("client went away before the error response", e);
        }
    }

    @FunctionalInterface
    private interface Handler {
        void handle(HttpExchange exchange, String model, int version) throws IOException;
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
