package dev.flywheel.registry.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.registry.RegistryService;
import dev.flywheel.registry.store.FileSystemModelStore;
import dev.flywheel.registry.store.TraversalPayloads;
import dev.flywheel.registry.testing.Descriptors;
import dev.flywheel.registry.testing.TestRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Names and paths that try to leave the store, sent through HTTP, both percent-encoded (what a
 * client library sends) and raw on a socket (what an attacker sends). Each is refused with 4xx,
 * nothing outside the store is read or written, and the registry keeps serving.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TraversalTest {
    @TempDir
    static Path dir;
    private Path storeDir;
    private RegistryService service;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    void start() throws IOException {
        storeDir = dir.resolve("store");
        Files.writeString(dir.resolve("secret.txt"), "root:x:0:0");
        service = TestRegistry.start(FileSystemModelStore.open(storeDir), null);
        TestRegistry.editor(service).register(Descriptors.forArtifact(Descriptors.goodModel(1)), Descriptors.goodModel(1));
    }

    @AfterAll
    void stop() {
        service.close();
    }

    /** All but the empty name: {@code /models/} is the model list itself, not an escape. */
    static Stream<String> payloads() {
        return TraversalPayloads.ALL.stream().filter(p -> !p.isEmpty());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("payloads")
    void encodedNamesAreRefusedOnEveryEndpoint(String payload) throws Exception {
        String name = encodeSegment(payload);
        for (String path : List.of("/models/" + name, "/models/" + name + "/versions", "/models/" + name + "/versions/1",
                "/models/" + name + "/versions/1/artifact", "/models/" + name + "/serving")) {
            assertRefused("GET", path, TestRegistry.READER_TOKEN, null);
        }
        String body = "{\"descriptor\":{\"name\":" + jsonString(payload) + ",\"version\":0,\"sha256\":\"ab\","
                + "\"inputs\":[\"x\"],\"output\":{\"tensor\":\"p\",\"columns\":[\"p\"],\"score_column\":\"p\"}},\"artifact_base64\":\"AA==\"}";
        assertRefused("POST", "/models/" + name + "/versions", TestRegistry.EDITOR_TOKEN, body);
        assertRefused("POST", "/models/" + Descriptors.MODEL + "/versions", TestRegistry.EDITOR_TOKEN, body);
        assertRefused("PUT", "/models/" + name + "/aliases", TestRegistry.EDITOR_TOKEN, "{\"champion\":1}");
        assertRefused("GET", "/models/" + Descriptors.MODEL + "/versions/" + name + "/artifact", TestRegistry.READER_TOKEN, null);
        assertStoreUntouched();
    }

    static Stream<String> rawPaths() {
        return Stream.of(
                "/models/../../secret.txt",
                "/models/..%2f..%2fsecret.txt/versions/1/artifact",
                "/models/%2e%2e/%2e%2e/secret.txt",
                "/models/" + Descriptors.MODEL + "/versions/../../../secret.txt",
                "/models/" + Descriptors.MODEL + "/versions/1/../../../../secret.txt",
                "/models/..\\..\\secret.txt/versions",
                "/models/%00/versions",
                "/models/a%00b/versions/1/artifact",
                "/models/%c0%ae%c0%ae/versions",
                "/models/%e2%80%a4%e2%80%a4/versions",
                "//etc/passwd",
                "/models/%zz/versions",
                "/models/" + Descriptors.MODEL + "/versions/%2e%2e/artifact");
    }

    @ParameterizedTest(name = "raw {0}")
    @MethodSource("rawPaths")
    void rawTraversalPathsAreRefused(String rawPath) throws Exception {
        String response = rawGet(rawPath);
        String statusLine = response.lines().findFirst().orElse("");
        assertThat(statusLine).as(rawPath).matches("HTTP/1\\.1 4\\d\\d .*");
        assertThat(response).doesNotContain("root:x");
        assertStoreUntouched();
    }

    @Test
    void theRegistryStillServesAfterTheAttempts() throws Exception {
        HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(
                        URI.create(service.url() + "/models/" + Descriptors.MODEL + "/versions/1/artifact"))
                .header("Authorization", "Bearer " + TestRegistry.READER_TOKEN).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(Descriptors.goodModel(1));
    }

    private void assertRefused(String method, String path, String token, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(service.url() + path))
                .header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        // A connection of its own per request: the server closes a connection after refusing a
        // malformed request (a NUL in the path), and a pooled one could be handed to the next request
        // before the client has read that close, which a busy machine makes likely.
        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(method + " " + path + " -> " + response.body()).isBetween(400, 499);
        assertThat(response.body()).doesNotContain("root:x");
    }

    /** Only the store directory and the planted secret exist in the parent; the store holds one model. */
    private void assertStoreUntouched() throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            assertThat(entries.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("store", "secret.txt");
        }
        try (Stream<Path> models = Files.list(storeDir.resolve("models"))) {
            assertThat(models.map(p -> p.getFileName().toString())).containsExactly(Descriptors.MODEL);
        }
        assertThat(Files.readString(dir.resolve("secret.txt"))).isEqualTo("root:x:0:0");
    }

    private String rawGet(String path) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", service.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + TestRegistry.READER_TOKEN
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private static String encodeSegment(String payload) {
        StringBuilder out = new StringBuilder();
        for (byte b : payload.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(String.format("%02X", c));
            }
        }
        return out.toString();
    }

    private static String jsonString(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
