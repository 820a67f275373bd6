package dev.flywheel.http;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Each limit of {@link HttpLimits} against a real server on loopback, driven by raw sockets that
 * behave the way slow or hostile clients do. Closing is observed from the client's side: a read
 * that returns -1 is the server closing the connection.
 */
class HardenedHttpServerTest {
    private static final Duration GENEROUS = Duration.ofSeconds(60);

    private final AtomicInteger handled = new AtomicInteger();
    private final List<Socket> sockets = new ArrayList<>();
    private HardenedHttpServer server;

    @AfterEach
    void stop() throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private void start(HttpLimits limits) {
        server = HardenedHttpServer.builder("test").limits(limits).handler(request -> {
            handled.incrementAndGet();
            String auth = String.valueOf(request.header("authorization"));
            return ServiceResponse.of(200, "application/octet-stream", request.body())
                    .withHeader("X-Seen", request.method() + " " + request.rawPath() + " " + auth);
        }).build().start();
    }

    @Test
    void servesACompleteRequestWithItsBody() throws Exception {
        start(HttpLimits.defaults());
        HttpClient client = HttpClient.newHttpClient();
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/a%20b/c"))
                .header("Authorization", "Bearer x").POST(HttpRequest.BodyPublishers.ofString("hello body")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("hello body");
        // The raw path reaches the service still encoded, so it can refuse what it must.
        assertThat(response.headers().firstValue("X-Seen")).hasValue("POST /a%20b/c Bearer x");
    }

    @Test
    void ambiguousPathsAreRefusedBeforeTheHandler() throws Exception {
        // Jetty's default URI compliance: an encoded separator or dot segment never reaches a service.
        start(HttpLimits.defaults());
        for (String path : List.of("/models/a%2Fb", "/models/%2e%2e/secret", "/models/../../etc/passwd")) {
            Socket socket = open();
            send(socket, "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            assertThat(readAll(socket)).as(path).startsWith("HTTP/1.1 400 ");
        }
        assertThat(handled).hasValue(0);
    }

    @Test
    void aHalfSentRequestHeadIsClosedAtTheHeaderTimeoutNotTheIdleTimeout() throws Exception {
        start(HttpLimits.defaults().withHeaderReadTimeout(Duration.ofSeconds(1)).withIdleTimeout(Duration.ofSeconds(40)));
        Socket socket = open();
        long sent = System.nanoTime();
        send(socket, "GET /health HTTP/1.1\r\nHost: localhost\r\n");
        long closedAfterMillis = awaitServerClose(socket, sent);
        assertThat(closedAfterMillis).isBetween(900L, 30_000L);
        assertThat(handled).hasValue(0);
        assertThat(server.headerTimeouts()).isEqualTo(1);
    }

    @Test
    void aHeadTrickledByteByByteIsClosedAtTheHeaderTimeoutToo() throws Exception {
        // Every byte restarts an idle timeout; only a deadline on the whole head stops this client.
        start(HttpLimits.defaults().withHeaderReadTimeout(Duration.ofSeconds(2)).withIdleTimeout(Duration.ofSeconds(40)));
        Socket socket = open();
        long sent = System.nanoTime();
        CompletableFuture<Void> trickle = CompletableFuture.runAsync(() -> {
            try {
                OutputStream out = socket.getOutputStream();
                for (int i = 0; ; i++) {
                    out.write(i == 0 ? 'G' : 'a');
                    out.flush();
                    Thread.sleep(200);
                }
            } catch (IOException | InterruptedException expected) {
                // the server closed the connection
            }
        });
        long closedAfterMillis = awaitServerClose(socket, sent);
        assertThat(closedAfterMillis).isBetween(1_900L, 30_000L);
        trickle.cancel(true);
        assertThat(handled).hasValue(0);
    }

    @Test
    void aStalledBodyIsAnswered408AfterTheIdleTimeoutAndNeverReachesTheHandler() throws Exception {
        start(HttpLimits.defaults().withIdleTimeout(Duration.ofSeconds(1)));
        Socket socket = open();
        long sent = System.nanoTime();
        send(socket, "POST /x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n0123456789");
        String response = readAll(socket);
        long elapsedMillis = (System.nanoTime() - sent) / 1_000_000;
        assertThat(response).startsWith("HTTP/1.1 408 ");
        assertThat(elapsedMillis).isGreaterThanOrEqualTo(900L);
        assertThat(handled).hasValue(0);
    }

    @Test
    void aDeclaredOversizeBodyIsRefusedBeforeAByteOfItIsSent() throws Exception {
        start(HttpLimits.defaults().withMaxRequestBodyBytes(1024));
        Socket socket = open();
        send(socket, "POST /x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10000000\r\n\r\n");
        String response = readAll(socket);
        assertThat(response).startsWith("HTTP/1.1 413 ").contains("\"error\":\"TOO_LARGE\"");
        assertThat(handled).hasValue(0);
    }

    @Test
    void aChunkedBodyIsRefusedAsSoonAsItPassesTheLimit() throws Exception {
        start(HttpLimits.defaults().withMaxRequestBodyBytes(1024));
        Socket socket = open();
        String chunk = "x".repeat(600);
        // Three chunks of 600 and no terminating chunk: the answer must come from the limit, not the end.
        send(socket, "POST /x HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                + ("258\r\n" + chunk + "\r\n").repeat(3));
        String response = readAll(socket);
        assertThat(response).startsWith("HTTP/1.1 413 ");
        assertThat(handled).hasValue(0);
    }

    @Test
    void anOversizeHeadIsRefusedWith431() throws Exception {
        start(HttpLimits.defaults().withMaxRequestHeaderBytes(2048));
        Socket socket = open();
        send(socket, "GET /x HTTP/1.1\r\nHost: localhost\r\nX-Padding: " + "p".repeat(4096) + "\r\n\r\n");
        assertThat(readAll(socket)).startsWith("HTTP/1.1 431 ");
        assertThat(handled).hasValue(0);
    }

    @Test
    void slowClientsHoldNoHandlerThread() throws Exception {
        // Eight threads at most, and twelve times as many slow clients as threads: half heads and
        // stalled bodies. The JDK server with a pool of 8 stopped answering at 12 such clients.
        start(HttpLimits.defaults().withMaxThreads(8));
        for (int i = 0; i < 64; i++) {
            send(open(), "GET /slow HTTP/1.1\r\nHost: localhost\r\n");
            send(open(), "POST /slow HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\nabc");
        }
        awaitOpenConnections(128);
        HttpClient client = HttpClient.newBuilder().connectTimeout(GENEROUS).build();
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/ok"))
                    .timeout(GENEROUS).POST(HttpRequest.BodyPublishers.ofString("n" + i)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("n" + i);
        }
        assertThat(handled).hasValue(20);
    }

    @Test
    void connectionsBeyondTheLimitWaitUntilOneCloses() throws Exception {
        start(HttpLimits.defaults().withMaxConnections(4).withHeaderReadTimeout(Duration.ofSeconds(2)));
        List<Socket> stalled = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Socket socket = open();
            send(socket, "GET /slow HTTP/1.1\r\nHost: localhost\r\n");
            stalled.add(socket);
        }
        awaitOpenConnections(4);
        ConcurrentLinkedQueue<Long> closedAt = new ConcurrentLinkedQueue<>();
        List<CompletableFuture<Void>> watchers = stalled.stream().map(socket -> CompletableFuture.runAsync(() -> {
            try {
                awaitServerClose(socket, System.nanoTime());
                closedAt.add(System.nanoTime());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        })).toList();
        AtomicInteger mostOpen = new AtomicInteger();
        CompletableFuture<Void> sampler = CompletableFuture.runAsync(() -> {
            while (!Thread.currentThread().isInterrupted() && closedAt.size() < 4) {
                mostOpen.accumulateAndGet(server.openConnections(), Math::max);
                Thread.onSpinWait();
            }
        });

        Socket fifth = open();
        send(fifth, "GET /fifth HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        String response = readAll(fifth);
        long answeredAt = System.nanoTime();
        assertThat(response).startsWith("HTTP/1.1 200 ");
        CompletableFuture.allOf(watchers.toArray(CompletableFuture[]::new)).get();
        sampler.get();
        // The fifth was accepted only after the server had closed a stalled one.
        assertThat(closedAt.stream().mapToLong(Long::longValue).min().orElseThrow()).isLessThan(answeredAt);
        assertThat(mostOpen.get()).isLessThanOrEqualTo(4);
    }

    private Socket open() throws IOException {
        Socket socket = new Socket("127.0.0.1", server.port());
        sockets.add(socket);
        return socket;
    }

    private static void send(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** Milliseconds from {@code sinceNanos} until the server closed the connection (read -1). */
    static long awaitServerClose(Socket socket, long sinceNanos) throws IOException {
        socket.setSoTimeout((int) GENEROUS.toMillis());
        InputStream in = socket.getInputStream();
        try {
            while (in.read() != -1) {
                // an answer the client did not finish asking for would be a bug the caller asserts on
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server kept the connection open for " + GENEROUS, e);
        } catch (SocketException reset) {
            // a reset also means the server closed it; the stalled client sent nothing unread
        }
        return (System.nanoTime() - sinceNanos) / 1_000_000;
    }

    private static String readAll(Socket socket) throws IOException {
        socket.setSoTimeout((int) GENEROUS.toMillis());
        return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    private void awaitOpenConnections(int expected) throws InterruptedException {
        long deadline = System.nanoTime() + GENEROUS.toNanos();
        while (server.openConnections() < expected) {
            assertThat(System.nanoTime()).as("open connections reach " + expected).isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
