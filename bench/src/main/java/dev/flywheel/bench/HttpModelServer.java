package dev.flywheel.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.flywheel.jobs.serving.LoadedModel;
import dev.flywheel.jobs.serving.ModelRefusedException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bolt-on comparator's model server: the same ONNX model behind {@code POST /score}, on the
 * JDK's HTTP server in this JVM, loopback only. The body is the spec vector as comma-separated
 * numbers, the answer the score as text: the leanest wire format a model server could have, so
 * the comparison charges the bolt-on design only for the remote call itself, not for bulky JSON.
 * Each worker thread scores with its own {@link LoadedModel} (a session is used by one thread at a
 * time), so the ONNX cost per request is the inline scorer's.
 */
final class HttpModelServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService workers;
    private final List<LoadedModel> sessions = new CopyOnWriteArrayList<>();
    private final ThreadLocal<LoadedModel> model;
    private final AtomicLong requests = new AtomicLong();

    HttpModelServer(BenchModel bench, int threads) throws IOException {
        model = ThreadLocal.withInitial(() -> {
            try {
                LoadedModel loaded = LoadedModel.load(BenchModel.NAME, bench.variant(), bench.artifact());
                sessions.add(loaded);
                return loaded;
            } catch (ModelRefusedException e) {
                throw new IllegalStateException(e);
            }
        });
        workers = Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, "bench-model-server");
            thread.setDaemon(true);
            return thread;
        });
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
        server.createContext("/score", this::score);
        server.setExecutor(workers);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/score";
    }

    long requests() {
        return requests.get();
    }

    private void score(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            byte[] answer;
            int status;
            try {
                answer = Float.toString(model.get().score(parse(body))).getBytes(StandardCharsets.US_ASCII);
                status = 200;
            } catch (Exception e) {
                answer = String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8);
                status = 400;
            }
            requests.incrementAndGet();
            exchange.sendResponseHeaders(status, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        }
    }

    private static double[] parse(byte[] body) {
        String[] values = new String(body, StandardCharsets.US_ASCII).split(",");
        double[] vector = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            vector[i] = Double.parseDouble(values[i]);
        }
        return vector;
    }

    /** The request body for a spec vector. */
    static String body(double[] vector) {
        StringBuilder out = new StringBuilder(vector.length * 8);
        for (int i = 0; i < vector.length; i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(vector[i]);
        }
        return out.toString();
    }

    @Override
    public void close() throws InterruptedException {
        server.stop(0);
        workers.shutdownNow();
        workers.awaitTermination(10, TimeUnit.SECONDS);
        sessions.forEach(LoadedModel::close);
    }
}
