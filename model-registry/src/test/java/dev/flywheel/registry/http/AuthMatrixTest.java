package dev.flywheel.registry.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.models.ModelJson;
import dev.flywheel.registry.RegistryService;
import dev.flywheel.registry.api.AliasUpdate;
import dev.flywheel.registry.api.RegisterRequest;
import dev.flywheel.registry.client.RegistryClient;
import dev.flywheel.registry.store.InMemoryModelStore;
import dev.flywheel.registry.testing.Descriptors;
import dev.flywheel.registry.testing.TestRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every endpoint with no token, a reader token and an editor token. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthMatrixTest {
    private static final String M = Descriptors.MODEL;
    private RegistryService service;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    enum Caller { NONE, READER, EDITOR }

    record Endpoint(String method, String path, String body, boolean write) {
        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    @BeforeAll
    void start() {
        service = TestRegistry.start(new InMemoryModelStore(), null);
        RegistryClient editor = TestRegistry.editor(service);
        for (int seed = 1; seed <= 3; seed++) {
            editor.register(Descriptors.forArtifact(Descriptors.goodModel(seed)), Descriptors.goodModel(seed));
        }
        // A version nobody uses, which the editor may archive.
        editor.register(Descriptors.forArtifact(new byte[] {9}), new byte[] {9});
    }

    @AfterAll
    void stop() {
        service.close();
    }

    static List<Endpoint> endpoints() {
        byte[] artifact = Descriptors.goodModel(50);
        String register = new String(ModelJson.encode(new RegisterRequest(Descriptors.forArtifact(artifact),
                Base64.getEncoder().encodeToString(artifact))), StandardCharsets.UTF_8);
        String aliases = new String(ModelJson.encode(new AliasUpdate(1, 2, 3, 0.1, 0.5)), StandardCharsets.UTF_8);
        return List.of(
                new Endpoint("GET", "/models", null, false),
                new Endpoint("GET", "/models/" + M, null, false),
                new Endpoint("GET", "/models/" + M + "/versions", null, false),
                new Endpoint("GET", "/models/" + M + "/versions/1", null, false),
                new Endpoint("GET", "/models/" + M + "/versions/1/artifact", null, false),
                new Endpoint("GET", "/models/" + M + "/serving", null, false),
                new Endpoint("POST", "/models/" + M + "/versions", register, true),
                new Endpoint("PUT", "/models/" + M + "/aliases", aliases, true),
                new Endpoint("POST", "/models/" + M + "/promote", "{\"version\":2}", true),
                new Endpoint("POST", "/models/" + M + "/rollback", "", true),
                new Endpoint("POST", "/models/" + M + "/versions/4/archive", "", true));
    }

    static Stream<Arguments> matrix() {
        List<Arguments> cases = new ArrayList<>();
        for (Endpoint endpoint : endpoints()) {
            for (Caller caller : Caller.values()) {
                cases.add(Arguments.of(endpoint, caller));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} as {1}")
    @MethodSource("matrix")
    void onlyTheRightRoleGetsThrough(Endpoint endpoint, Caller caller) throws Exception {
        HttpResponse<String> response = send(endpoint, caller == Caller.NONE ? null
                : caller == Caller.READER ? TestRegistry.READER_TOKEN : TestRegistry.EDITOR_TOKEN);
        int status = response.statusCode();
        switch (caller) {
            case NONE -> {
                assertThat(status).isEqualTo(401);
                assertThat(response.headers().firstValue("WWW-Authenticate")).isPresent();
            }
            case READER -> assertThat(status).as(response.body()).isEqualTo(endpoint.write() ? 403 : 200);
            case EDITOR -> assertThat(status).as(response.body()).isIn(endpoint.write() ? List.of(200, 201) : List.of(200));
        }
    }

    @Test
    void wrongTokensAndSchemesAreUnauthenticated() throws Exception {
        Endpoint list = endpoints().get(0);
        for (String header : List.of("Bearer wrong-token-0123456789abcdef", "Basic " + TestRegistry.EDITOR_TOKEN,
                TestRegistry.EDITOR_TOKEN, "Bearer " + TestRegistry.EDITOR_TOKEN + "x", "Bearer ")) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(service.url() + list.path()))
                    .header("Authorization", header).GET().build();
            assertThat(http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode()).as(header).isEqualTo(401);
        }
    }

    @Test
    void healthAndMetricsAreOpen() throws Exception {
        for (String path : List.of("/health", "/metrics")) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(service.url() + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(path).isEqualTo(200);
        }
    }

    private HttpResponse<String> send(Endpoint endpoint, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(service.url() + endpoint.path()))
                .method(endpoint.method(), endpoint.body() == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(endpoint.body()));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

}
