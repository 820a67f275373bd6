package dev.flywheel.search;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.embedded.EmbeddedKafka;
import dev.flywheel.events.Decoded;
import dev.flywheel.events.EventCodec;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.events.Topics;
import dev.flywheel.http.HardenedHttpServer;
import dev.flywheel.search.HybridRetriever.Fusion;
import dev.flywheel.simulator.SearchWorld;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The HTTP API on the shared hardened server, logging to a real Kafka broker. */
class SearchHttpApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static EmbeddedKafka kafka;
    private static KafkaSearchLog log;
    private static SentenceEmbedder embedder;
    private static CatalogIndex index;
    private static HardenedHttpServer server;
    private static HttpClient client;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start();
        kafka.createTopic(Topics.CLICKSTREAM, 2);
        log = new KafkaSearchLog(kafka.bootstrapServers());
        embedder = new SentenceEmbedder();
        SearchWorld world = SimulatedShop.world(3, 400);
        index = SimulatedShop.index(world, embedder, null);
        SearchEngine engine = new SearchEngine(new HybridRetriever(index, embedder, 50, 60, 0.3), Fusion.RRF, log,
                Clock.systemUTC());
        server = HardenedHttpServer.builder("search").bind("127.0.0.1", 0).handler(new SearchHttpApi(engine))
                .build().start();
        client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
    }

    @AfterAll
    static void stop() {
        server.close();
        index.close();
        embedder.close();
        log.close();
        kafka.close();
    }

    private static HttpResponse<String> get(String rawQuery) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + server.port() + "/search" + (rawQuery == null ? "" : "?" + rawQuery));
        return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String q(String text) {
        return "q=" + URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    @Test
    void servesResultsAsJsonAndLogsTheListIntoClickstream() throws Exception {
        HttpResponse<String> response = get(q("navy couch") + "&user=user-7&k=5");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("results")).hasSize(5);
        assertThat(body.get("ranked_by").asText()).isEqualTo("fusion:rrf");
        String requestId = body.get("request_id").asText();
        List<String> served = new ArrayList<>();
        body.get("results").forEach(r -> served.add(r.get("item_id").asText()));
        assertThat(body.get("results").get(0).get("position").asInt()).isZero();

        ShopperEvent.Search logged = awaitSearchEvent(requestId);
        assertThat(logged.query()).isEqualTo("navy couch");
        assertThat(logged.header().userId()).isEqualTo("user-7");
        assertThat(logged.results()).isEqualTo(served);
        assertThat(JSON.readTree(logged.header().extras()).get(SearchEngine.RANKED_BY_FIELD).asText())
                .isEqualTo("fusion:rrf");
    }

    private static ShopperEvent.Search awaitSearchEvent(String requestId) {
        log.flush();
        EventCodec codec = new EventCodec();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> record : kafka.readAll(Topics.CLICKSTREAM, Duration.ofSeconds(10))) {
                Decoded decoded = codec.decode(record.value());
                assertThat(decoded).as("logged events pass the event contract").isInstanceOf(Decoded.Accepted.class);
                if (((Decoded.Accepted) decoded).event() instanceof ShopperEvent.Search search
                        && search.requestId().equals(requestId)) {
                    assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo(search.header().userId());
                    return search;
                }
            }
        }
        throw new AssertionError("no search event with request id " + requestId + " in clickstream");
    }

    @Test
    void anUnknownUserIsServedLikeAnAnonymousOne() throws Exception {
        JsonNode known = JSON.readTree(get(q("wireless headphones")).body());
        JsonNode unknown = JSON.readTree(get(q("wireless headphones") + "&user=nobody-we-know").body());
        assertThat(unknown.get("user").asText()).isEqualTo("nobody-we-know");
        assertThat(ids(unknown)).isEqualTo(ids(known)).hasSize(10);
    }

    private static List<String> ids(JsonNode body) {
        List<String> ids = new ArrayList<>();
        body.get("results").forEach(r -> ids.add(r.get("item_id").asText()));
        return ids;
    }

    @Test
    void badInputGetsAClearClientError() throws Exception {
        assertError(get(null), 400, "missing_query");
        assertError(get("q="), 400, "missing_query");
        assertError(get("q=%20%20"), 400, "missing_query");
        assertError(get("q=" + "a".repeat(10 * 1024)), 400, "query_too_long");
        assertError(get("q=%FF%FE"), 400, "bad_encoding");
        assertError(get("q=%C0%AF"), 400, "bad_encoding");
        assertError(get("q=sofa&k=0"), 400, "bad_parameter");
        assertError(get("q=sofa&k=ten"), 400, "bad_parameter");
        assertError(get("q=sofa&k=1000"), 400, "bad_parameter");
        assertError(get("q=sofa&q=lamp"), 400, "duplicate_parameter");
        assertError(get("q=sofa&user=" + "u".repeat(300)), 400, "bad_parameter");
        HttpResponse<String> post = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/search?q=sofa"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertError(post, 405, "method_not_allowed");
    }

    private static void assertError(HttpResponse<String> response, int status, String code) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(JSON.readTree(response.body()).get("error").asText()).isEqualTo(code);
    }

    @Test
    void rawNonUtf8BytesAndAnOversizedHeadAreRefusedByTheServer() throws Exception {
        byte[] head = "GET /search?q=sofa".getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(head);
        request.write(0xFF);
        request.write(0xFE);
        request.writeBytes(" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(rawStatus(request.toByteArray())).isBetween(400, 499);
        // Escapes java.net.URI will not even send.
        for (String broken : List.of("sofa%2", "sofa%zz", "%")) {
            String line = "GET /search?q=" + broken + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
            assertThat(rawStatus(line.getBytes(StandardCharsets.US_ASCII))).as(broken).isEqualTo(400);
        }

        String huge = "GET /search?q=" + "a".repeat(20 * 1024) + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
        assertThat(rawStatus(huge.getBytes(StandardCharsets.US_ASCII))).isBetween(400, 499);
    }

    private static int rawStatus(byte[] request) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            InputStream in = socket.getInputStream();
            String statusLine = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            return Integer.parseInt(statusLine.substring(9, 12));
        }
    }

    @Test
    void luceneSyntaxAndJsonAreSearchedLiterally() throws Exception {
        for (String injection : List.of("title:(sofa OR *) AND price:[0 TO 1]", "*:*", "\"unclosed", "sofa~0.5 ^2 \\",
                "{\"query\": {\"match_all\": {}}}", "'; DROP TABLE items; --", "<script>alert(1)</script>")) {
            HttpResponse<String> response = get(q(injection));
            assertThat(response.statusCode()).as(injection).isEqualTo(200);
            JsonNode body = JSON.readTree(response.body());
            assertThat(body.get("query").asText()).isEqualTo(injection);
        }
    }

    @Test
    void randomQueriesNeverGetAServerError() throws Exception {
        SplittableRandom random = new SplittableRandom(17);
        String alphabet = "abc xyz:*?~^\"'()[]{}\\/+-&|!%#;<>é中😀\t";
        for (int i = 0; i < 60; i++) {
            StringBuilder text = new StringBuilder();
            int length = 1 + random.nextInt(40);
            for (int c = 0; c < length; c++) {
                text.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0, random.nextInt(
                        alphabet.codePointCount(0, alphabet.length())))));
            }
            HttpResponse<String> response = get(q(text.toString()));
            assertThat(response.statusCode()).as(text.toString()).isIn(200, 400);
        }
    }
}
