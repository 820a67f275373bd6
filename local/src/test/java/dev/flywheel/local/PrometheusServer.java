package dev.flywheel.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus server (Debian's {@code prometheus} package) on loopback, with a config and
 * storage of its own, for tests that scrape the local stack. {@link #binaries} finds the server and
 * {@code promtool}, installing the package when they are missing and the test runs as root with
 * apt-get (as CI does); otherwise it says why not, and the caller skips.
 */
final class PrometheusServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration READY_DEADLINE = Duration.ofMinutes(1);

    /** The two programs of the package. */
    record Binaries(Path prometheus, Path promtool) {
    }

    /** What running promtool printed, and its exit status. */
    record Run(int exit, String output) {
    }

    private final Process process;
    private final URI base;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private PrometheusServer(Process process, URI base, Path log) {
        this.process = process;
        this.base = base;
        this.log = log;
    }

    /** The server and promtool; installs Debian's package when missing and allowed. Empty: why not, in the message. */
    static Optional<Binaries> binaries(StringBuilder whyNot) {
        Optional<Binaries> found = find();
        if (found.isPresent()) {
            return found;
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        Optional<Path> aptGet = onPath("apt-get");
        if (!root || aptGet.isEmpty()) {
            whyNot.append("prometheus and promtool are not on the PATH and cannot be installed here (")
                    .append(root ? "no apt-get" : "not root").append("): install Debian's prometheus package"
                            + " (apt-get install -y prometheus); .ci/run does");
            return Optional.empty();
        }
        try {
            for (List<String> command : List.of(List.of(aptGet.get().toString(), "update"),
                    List.of(aptGet.get().toString(), "install", "-y", "prometheus"))) {
                Process install = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (!install.waitFor(10, TimeUnit.MINUTES)) {
                    install.destroyForcibly();
                }
            }
        } catch (IOException e) {
            whyNot.append("installing Debian's prometheus package failed: ").append(e.getMessage());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
        found = find();
        if (found.isEmpty()) {
            whyNot.append("apt-get install -y prometheus did not give prometheus and promtool");
        }
        return found;
    }

    private static Optional<Binaries> find() {
        Optional<Path> prometheus = onPath("prometheus");
        Optional<Path> promtool = onPath("promtool");
        return prometheus.isPresent() && promtool.isPresent()
                ? Optional.of(new Binaries(prometheus.get(), promtool.get())) : Optional.empty();
    }

    private static Optional<Path> onPath(String program) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        dirs.add("/usr/bin");
        dirs.add("/usr/sbin");
        return dirs.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, program)).filter(Files::isExecutable)
                .findFirst();
    }

    /**
     * Starts the server on a free loopback port, scraping each job's {@code /metrics} URL every 5 s
     * and evaluating {@code rules} as often, and waits until it is ready.
     */
    static PrometheusServer start(Binaries binaries, Path dir, Map<String, URI> targetsByJob, Path rules)
            throws Exception {
        StringBuilder config = new StringBuilder();
        config.append("global:\n  scrape_interval: 5s\n  scrape_timeout: 5s\n  evaluation_interval: 5s\n");
        config.append("rule_files:\n  - \"").append(rules.toAbsolutePath()).append("\"\n");
        config.append("scrape_configs:\n");
        targetsByJob.forEach((job, url) -> config.append("  - job_name: ").append(job).append('\n')
                .append("    metrics_path: ").append(url.getPath()).append('\n')
                .append("    static_configs:\n      - targets: [\"").append(url.getHost()).append(':')
                .append(url.getPort()).append("\"]\n"));
        Path configFile = dir.resolve("prometheus.yml");
        Files.writeString(configFile, config);
        int port;
        // Another process could take the port before Prometheus binds it; the readiness wait then fails and says so.
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path log = dir.resolve("prometheus.log");
        Process process = new ProcessBuilder(binaries.prometheus().toString(),
                "--config.file=" + configFile,
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PrometheusServer server = new PrometheusServer(process, URI.create("http://127.0.0.1:" + port), log);
        long deadline = System.nanoTime() + READY_DEADLINE.toNanos();
        while (!server.ready()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                String output = Files.exists(log) ? Files.readString(log) : "";
                server.close();
                throw new IllegalStateException("Prometheus did not become ready on port " + port + ":\n" + output);
            }
            Thread.sleep(200);
        }
        return server;
    }

    private boolean ready() {
        try {
            return get("/-/ready").statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** An instant query at the current time through {@code /api/v1/query}: the whole answer. */
    JsonNode query(String expression) throws IOException, InterruptedException {
        return JSON.readTree(get("/api/v1/query?query=" + URLEncoder.encode(expression, StandardCharsets.UTF_8)).body());
    }

    /** {@code /api/v1/rules}: the rules loaded, each with its query, health and last error. */
    JsonNode rules() throws IOException, InterruptedException {
        return JSON.readTree(get("/api/v1/rules").body());
    }

    /** {@code /api/v1/targets}: each target's scrape health. */
    JsonNode targets() throws IOException, InterruptedException {
        return JSON.readTree(get("/api/v1/targets").body());
    }

    Path log() {
        return log;
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Runs promtool with {@code args}, feeding it {@code stdin} (may be null). */
    static Run promtool(Binaries binaries, String stdin, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(binaries.promtool().toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (stdin != null) {
            try (var in = process.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        } else {
            process.getOutputStream().close();
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(1, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            return new Run(-1, output + "\n(promtool did not finish within a minute)");
        }
        return new Run(process.exitValue(), output);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
