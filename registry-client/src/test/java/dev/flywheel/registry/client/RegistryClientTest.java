package dev.flywheel.registry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpServer;
import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.models.ModelJson;
import dev.flywheel.models.ModelStatus;
import dev.flywheel.models.ModelVersion;
import dev.flywheel.models.OutputSpec;
import dev.flywheel.models.ReferenceDistributions;
import dev.flywheel.registry.api.RegisterRequest;
import dev.flywheel.registry.api.Sha256;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the client alone decides, against a stub endpoint instead of the registry: the checksum on
 * download, how error answers become {@link RegistryClientException}s, the 422 path of a rejected
 * registration, and the shape of the requests it sends. What the real server answers is tested
 * in model-registry (LifecycleTest, AuthMatrixTest, ...), which needs the server on the classpath.
 */
class RegistryClientTest {
    private static final String TOKEN = "reader-token-for-client-tests";
    private static final String MODEL = "purchase-propensity";
    private static final byte[] ARTIFACT = "not really onnx, the stub does not care".getBytes(StandardCharsets.UTF_8);

    private record Reply(int status, Map<String, String> headers, byte[] body) {
        static Reply json(int status, String body) {
            return new Reply(status, Map.of("Content-Type", "application/json"), body.getBytes(StandardCharsets.UTF_8));
        }
    }

    private record Received(String method, String path, String authorization, String contentType, byte[] body) {
    }

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private volatile Reply reply = Reply.json(200, "{}");
    private HttpServer stub;
    private RegistryClient client;

    @BeforeEach
    void start() throws IOException {
        stub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        stub.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                    exchange.getRequestHeaders().getFirst("Authorization"),
                    exchange.getRequestHeaders().getFirst("Content-Type"), body));
            Reply answer = reply;
            answer.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
            exchange.sendResponseHeaders(answer.status(), answer.body().length == 0 ? -1 : answer.body().length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer.body());
            }
        });
        stub.start();
        // The trailing slash is deliberate: the client must not turn it into "//models".
        client = new RegistryClient(URI.create("http://127.0.0.1:" + stub.getAddress().getPort() + "/"), TOKEN);
    }

    @AfterEach
    void stop() {
        stub.stop(0);
    }

    @Test
    void downloadReturnsBytesThatHashToTheRegistrysSha256() {
        reply = new Reply(200, Map.of("X-Model-Sha256", Sha256.hex(ARTIFACT)), ARTIFACT);

        assertThat(client.download(MODEL, 3)).isEqualTo(ARTIFACT);

        assertThat(received).singleElement().satisfies(r -> {
            assertThat(r.method()).isEqualTo("GET");
            assertThat(r.path()).isEqualTo("/models/purchase-propensity/versions/3/artifact");
            assertThat(r.authorization()).isEqualTo("Bearer " + TOKEN);
        });
    }

    @Test
    void downloadRefusesBytesThatArrivedAltered() {
        byte[] altered = ARTIFACT.clone();
        altered[0] ^= 1;
        reply = new Reply(200, Map.of("X-Model-Sha256", Sha256.hex(ARTIFACT)), altered);

        RegistryClientException e = refusal(() -> client.download(MODEL, 3));

        assertThat(e.code()).isEqualTo("SHA256_MISMATCH");
        assertThat(e.status()).isEqualTo(200);
        assertThat(e.getMessage()).contains(Sha256.hex(altered), Sha256.hex(ARTIFACT));
    }

    @Test
    void downloadWithoutAChecksumHeaderIsAMismatchNotATrustedArtifact() {
        reply = new Reply(200, Map.of(), ARTIFACT);

        assertThat(refusal(() -> client.download(MODEL, 3)).code())
                .isEqualTo("SHA256_MISMATCH");
    }

    @Test
    void registerSendsTheDescriptorAndBase64BytesAndReturnsARejectionAsAVersion() {
        ModelDescriptor descriptor = descriptor();
        ModelVersion rejected = new ModelVersion(descriptor.withVersion(7), ModelStatus.REJECTED, "UNKNOWN_FEATURE",
                "the feature spec cannot supply [nope]", ARTIFACT.length, 1_000L, 2_000L);
        reply = new Reply(422, Map.of("Content-Type", "application/json"), ModelJson.encode(rejected));

        ModelVersion answer = client.register(descriptor, ARTIFACT);

        assertThat(answer).isEqualTo(rejected);
        Received request = received.get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/models/purchase-propensity/versions");
        assertThat(request.contentType()).isEqualTo("application/json");
        RegisterRequest sent = ModelJson.decode(request.body(), RegisterRequest.class);
        assertThat(sent.descriptor()).isEqualTo(descriptor);
        assertThat(Base64.getDecoder().decode(sent.artifactBase64())).isEqualTo(ARTIFACT);
    }

    @Test
    void anErrorBodyBecomesTheExceptionsCodeAndMessage() {
        reply = Reply.json(409, "{\"error\":\"CONFLICT\",\"message\":\"version 2 holds the champion alias\"}");

        RegistryClientException e = refusal(() -> client.archive(MODEL, 2));

        assertThat(e.status()).isEqualTo(409);
        assertThat(e.code()).isEqualTo("CONFLICT");
        assertThat(e.getMessage()).isEqualTo("version 2 holds the champion alias");
        assertThat(received.get(0).method()).isEqualTo("POST");
        assertThat(received.get(0).path()).isEqualTo("/models/purchase-propensity/versions/2/archive");
    }

    @Test
    void aPageThatIsNotARegistryErrorKeepsTheStatusLine() {
        reply = new Reply(502, Map.of("Content-Type", "text/html"),
                "<html><body>Bad Gateway</body></html>".getBytes(StandardCharsets.UTF_8));

        RegistryClientException e = refusal(() -> client.model(MODEL));

        assertThat(e.status()).isEqualTo(502);
        assertThat(e.code()).isEqualTo("HTTP_502");
        assertThat(e.getMessage()).isEqualTo("GET /models/purchase-propensity -> 502");
    }

    @Test
    void anUnreachableRegistryIsStatusZero() {
        stub.stop(0);

        RegistryClientException e = refusal(() -> client.listModels());

        assertThat(e.status()).isZero();
        assertThat(e.code()).isEqualTo("UNREACHABLE");
        assertThat(e).hasCauseInstanceOf(IOException.class);
    }

    @Test
    void badNamesAndVersionsFailBeforeAnyRequest() {
        assertThatThrownBy(() -> client.describe("../secrets", 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid model name");
        assertThatThrownBy(() -> client.describe(MODEL, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("version must be >= 1");
        assertThat(received).isEmpty();
    }

    private static RegistryClientException refusal(ThrowingCallable call) {
        Throwable thrown = catchThrowable(call);
        assertThat(thrown).isInstanceOf(RegistryClientException.class);
        return (RegistryClientException) thrown;
    }

    private static ModelDescriptor descriptor() {
        return new ModelDescriptor(MODEL, 0, Sha256.hex(ARTIFACT), "input", List.of("user_views_1h"),
                new OutputSpec("probabilities", List.of("no_purchase", "purchase"), "purchase", "P(purchase in 30 min)"),
                Map.of("auc", 0.8), ReferenceDistributions.EMPTY, "registry-client-tests");
    }
}
