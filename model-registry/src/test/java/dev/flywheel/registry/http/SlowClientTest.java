package dev.flywheel.registry.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.http.HttpLimits;
import dev.flywheel.registry.RegistryService;
import dev.flywheel.registry.api.Sha256;
import dev.flywheel.registry.store.FileSystemModelStore;
import dev.flywheel.registry.testing.Descriptors;
import dev.flywheel.registry.testing.TestRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attack from outside that stopped the JDK-server registry (12 connections that each sent half
 * a request and waited held its 8 request threads; {@code /health} then timed out after 20 s),
 * repeated at 200 connections against a running registry with its default limits, while normal
 * traffic keeps asking for {@code /health}, a version record and an artifact.
 *
 * <p>Latency is measured on this machine under whatever else it is running; the p99 bound is the
 * one the issue sets (100 ms) and the figures are printed either way. Closing is observed from the
 * client: a read that returns -1.
 */
class SlowClientTest {
    private static final int HALF_HEADS = 180;
    private static final int HALF_BODIES = 20;
    private static final int NORMAL_REQUESTS = 1_000;
    private static final Duration GENEROUS = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @Test
    void stalledClientsNeitherBlockNormalTrafficNorChangeTheStore() throws Exception {
        Path storeDir = dir.resolve("store");
        try (RegistryService service = TestRegistry.start(FileSystemModelStore.open(storeDir), null)) {
            byte[] artifact = Descriptors.goodModel(1);
            TestRegistry.editor(service).register(Descriptors.forArtifact(artifact), artifact);
            HttpLimits limits = service.transport().limits();
            Map<String, String> storeBefore = snapshot(storeDir);
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(GENEROUS).build();
            List<HttpRequest> normal = normalTraffic(service);

            // Warm-up and a baseline with no attack, so the figure under attack has something to compare with.
            measure(client, normal, 1_000);
            long[] baseline = measure(client, normal, NORMAL_REQUESTS / 2);

            List<Stalled> stalled = new ArrayList<>();
            for (int i = 0; i < HALF_HEADS; i++) {
                // Half a request line and headers, as in the report: no final blank line, ever.
                stalled.add(Stalled.open(service.port(), "GET /models/" + Descriptors.MODEL + "/versions HTTP/1.1\r\n"
                        + "Host: registry\r\nUser-Agent: slow-" + i + "\r\n", false));
            }
            for (int i = 0; i < HALF_BODIES; i++) {
                // An editor's registration whose body stops half way: it must never reach the store.
                String body = "{\"descriptor\":{\"name\":\"" + Descriptors.MODEL + "\",\"version\":0,\"sha256\":\"";
                stalled.add(Stalled.open(service.port(), "POST /models/" + Descriptors.MODEL + "/versions HTTP/1.1\r\n"
                        + "Host: registry\r\nAuthorization: Bearer " + TestRegistry.EDITOR_TOKEN + "\r\n"
                        + "Content-Type: application/json\r\nContent-Length: 4096\r\n\r\n" + body, true));
            }
            awaitOpenConnections(service, HALF_HEADS + HALF_BODIES);

            long[] underAttack = measure(client, normal, NORMAL_REQUESTS);
            // Every stalled connection was still open for the whole measurement: it was under attack throughout.
            assertThat(service.transport().headerTimeouts()).isZero();
            assertThat(service.transport().openConnections()).isGreaterThanOrEqualTo(HALF_HEADS + HALF_BODIES);

            ExecutorService readers = Executors.newFixedThreadPool(stalled.size());
            List<Stalled.Outcome> closed;
            try {
                List<CompletableFuture<Stalled.Outcome>> outcomes = stalled.stream()
                        .map(s -> CompletableFuture.supplyAsync(s::awaitServerClose, readers)).toList();
                closed = outcomes.stream().map(CompletableFuture::join).toList();
            } finally {
                readers.shutdownNow();
            }

            long headerTimeout = limits.headerReadTimeout().toMillis();
            long idleTimeout = limits.idleTimeout().toMillis();
            long[] headClosed = closed.stream().filter(o -> !o.sentBodyPart()).mapToLong(Stalled.Outcome::closedAfterMillis).sorted().toArray();
            long[] bodyClosed = closed.stream().filter(Stalled.Outcome::sentBodyPart).mapToLong(Stalled.Outcome::closedAfterMillis).sorted().toArray();
            System.out.printf("slow clients: baseline p50 %.1f ms p99 %.1f ms max %.1f ms (%d requests); under %d stalled connections"
                            + " p50 %.1f ms p99 %.1f ms max %.1f ms (%d requests)%n",
                    ms(percentile(baseline, 50)), ms(percentile(baseline, 99)), ms(baseline[baseline.length - 1]), baseline.length,
                    stalled.size(), ms(percentile(underAttack, 50)), ms(percentile(underAttack, 99)),
                    ms(underAttack[underAttack.length - 1]), underAttack.length);
            System.out.printf("slow clients: half heads closed by the server after %d..%d ms (header timeout %d ms);"
                            + " half bodies answered %s and closed after %d..%d ms (idle timeout %d ms)%n",
                    headClosed[0], headClosed[headClosed.length - 1], headerTimeout,
                    closed.stream().filter(Stalled.Outcome::sentBodyPart).map(Stalled.Outcome::statusLine).distinct().toList(),
                    bodyClosed[0], bodyClosed[bodyClosed.length - 1], idleTimeout);

            assertThat(percentile(underAttack, 99)).as("p99 of normal requests under attack, ns").isLessThan(100_000_000L);
            // Closed by the server, at the documented timeout: not before, and not at some much later one.
            assertThat(headClosed[0]).isGreaterThanOrEqualTo(headerTimeout);
            assertThat(headClosed[headClosed.length - 1]).isLessThan(headerTimeout + 20_000);
            assertThat(closed.stream().filter(o -> !o.sentBodyPart()).map(Stalled.Outcome::statusLine)).containsOnly("");
            assertThat(bodyClosed[0]).isGreaterThanOrEqualTo(idleTimeout);
            assertThat(bodyClosed[bodyClosed.length - 1]).isLessThan(idleTimeout + 20_000);
            assertThat(closed.stream().filter(Stalled.Outcome::sentBodyPart).map(Stalled.Outcome::statusLine))
                    .allMatch(line -> line.startsWith("HTTP/1.1 408 "));

            assertThat(snapshot(storeDir)).isEqualTo(storeBefore);
            assertThat(service.registry().versions(Descriptors.MODEL)).hasSize(1);
            assertThat(measure(client, normal, 50)).hasSize(50);
        }
    }

    private static List<HttpRequest> normalTraffic(RegistryService service) {
        String base = service.url();
        String auth = "Bearer " + TestRegistry.READER_TOKEN;
        return List.of(
                HttpRequest.newBuilder(URI.create(base + "/health")).timeout(GENEROUS).build(),
                HttpRequest.newBuilder(URI.create(base + "/models/" + Descriptors.MODEL + "/versions/1"))
                        .header("Authorization", auth).timeout(GENEROUS).build(),
                HttpRequest.newBuilder(URI.create(base + "/models/" + Descriptors.MODEL + "/versions/1/artifact"))
                        .header("Authorization", auth).timeout(GENEROUS).build());
    }

    /** Sorted latencies in ns of {@code count} requests from four concurrent callers; every answer must be 200. */
    private static long[] measure(HttpClient client, List<HttpRequest> requests, int count) throws Exception {
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try {
            List<CompletableFuture<Void>> done = new ArrayList<>();
            for (int caller = 0; caller < 4; caller++) {
                int first = caller;
                done.add(CompletableFuture.runAsync(() -> {
                    for (int i = first; i < count; i += 4) {
                        HttpRequest request = requests.get(i % requests.size());
                        long start = System.nanoTime();
                        try {
                            HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                            latencies.add(System.nanoTime() - start);
                            assertThat(response.statusCode()).as(request.uri().toString()).isEqualTo(200);
                        } catch (IOException | InterruptedException e) {
                            throw new IllegalStateException(request.uri() + " failed", e);
                        }
                    }
                }, callers));
            }
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get();
        } finally {
            callers.shutdownNow();
        }
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        assertThat(sorted).hasSize(count);
        return sorted;
    }

    private static long percentile(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static void awaitOpenConnections(RegistryService service, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + GENEROUS.toNanos();
        while (service.transport().openConnections() < expected) {
            assertThat(System.nanoTime()).as("the server holds " + expected + " connections").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /** Every file under the store with the hash of its bytes. */
    private static Map<String, String> snapshot(Path root) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                files.put(root.relativize(p).toString(), Sha256.hex(Files.readAllBytes(p)));
            }
        }
        return files;
    }

    /** A client that sent part of a request and waits; it only ever reads. */
    private record Stalled(Socket socket, long openedAtNanos, boolean sentBodyPart) {
        record Outcome(boolean sentBodyPart, long closedAfterMillis, String statusLine) {
        }

        static Stalled open(int port, String part, boolean sentBodyPart) throws IOException {
            long opened = System.nanoTime();
            Socket socket = new Socket("127.0.0.1", port);
            OutputStream out = socket.getOutputStream();
            out.write(part.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return new Stalled(socket, opened, sentBodyPart);
        }

        Outcome awaitServerClose() {
            try (socket) {
                socket.setSoTimeout((int) GENEROUS.toMillis());
                InputStream in = socket.getInputStream();
                byte[] received = new byte[0];
                try {
                    received = in.readAllBytes(); // returns at -1: the server closed the connection
                } catch (SocketException reset) {
                    // closed by the server with unread data pending: still closed by the server
                }
                long after = (System.nanoTime() - openedAtNanos) / 1_000_000;
                String text = new String(received, StandardCharsets.ISO_8859_1);
                return new Outcome(sentBodyPart, after, text.lines().findFirst().orElse(""));
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the server kept a stalled connection open for " + GENEROUS, e);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
