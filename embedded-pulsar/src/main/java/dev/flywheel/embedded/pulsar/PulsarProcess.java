package dev.flywheel.embedded.pulsar;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The same broker as {@link EmbeddedPulsar}, in a child JVM: for a JVM whose class path must not
 * hold the broker's. The Flink jobs' tests are one: Flink's test class path pins Netty 4.1.76,
 * Guava 31 and ZooKeeper 3.7, and the broker's (Netty 4.1.136, Guava 33, ZooKeeper 3.9) would
 * either lose to them or change them under the Kafka and Flink tests. The parent needs only this
 * class (plain JDK) and a Pulsar client.
 *
 * <pre>{@code
 * try (PulsarProcess pulsar = PulsarProcess.start()) {
 *     PulsarClient client = PulsarClient.builder().serviceUrl(pulsar.serviceUrl()).build();
 *     ...
 * }
 * }</pre>
 *
 * <p>The child runs {@link PulsarBroker} on the class path this module was built with (written
 * into the jar at build time, so the jars must still be where that build found them: this is a
 * tool for the machine that built it). Its data is in a temporary directory it deletes when it
 * stops, and it stops when this JVM closes its standard input, also when this JVM is killed; only
 * the log's directory is then left behind.
 */
public final class PulsarProcess implements AutoCloseable {
    /** Where the build wrote the broker's runtime class path, one entry per path separator. */
    static final String CLASSPATH_RESOURCE = "broker.classpath";

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final int LOG_LINES_IN_ERRORS = 30;

    private final Process process;
    private final Path workDir;
    private final String serviceUrl;
    private final String webServiceUrl;
    private final Duration startupTime;
    private boolean closed;

    private PulsarProcess(Process process, Path workDir, String serviceUrl, String webServiceUrl, Duration startupTime) {
        this.process = process;
        this.workDir = workDir;
        this.serviceUrl = serviceUrl;
        this.webServiceUrl = webServiceUrl;
        this.startupTime = startupTime;
    }

    /** Starts a broker on free ports and returns once it has passed its health check. */
    public static PulsarProcess start() {
        long startNanos = System.nanoTime();
        Path workDir;
        try {
            workDir = Files.createTempDirectory("flywheel-pulsar-process-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for the Pulsar process", e);
        }
        Process process = null;
        try {
            Path log = workDir.resolve("broker.log");
            Path logConfig = workDir.resolve("log4j2.properties");
            Files.writeString(logConfig, """
                    appender.file.type=File
                    appender.file.name=file
                    appender.file.fileName=%s
                    appender.file.layout.type=PatternLayout
                    appender.file.layout.pattern=%%d{HH:mm:ss.SSS} %%-5level [%%t] %%c{1.} - %%msg%%n
                    rootLogger=WARN,file
                    """.formatted(log));
            List<String> command = new ArrayList<>(List.of(javaExecutable(),
                    "-Xmx512m", "-XX:MaxDirectMemorySize=256m", "-XX:+UseSerialGC",
                    "-Dlog4j2.configurationFile=" + logConfig,
                    // Pulsar reads container and GC figures through these; without them it logs a stack trace.
                    "--add-opens=java.base/jdk.internal.platform=ALL-UNNAMED",
                    "--add-opens=java.management/sun.management=ALL-UNNAMED",
                    "--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED",
                    "-cp", brokerClasspath(),
                    PulsarBroker.class.getName(),
                    // No --data-dir: the child keeps its data in a temporary directory of its own and
                    // deletes it when it stops, also when it stops because this JVM died.
                    "--port", "0", "--web-port", "0", "--stop-on-stdin-eof"));
            process = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            drain(process.getInputStream(), lines);
            String serviceUrl = null;
            String webServiceUrl = null;
            long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
            while (serviceUrl == null || webServiceUrl == null) {
                String line = lines.poll(200, TimeUnit.MILLISECONDS);
                if (line == null) {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("the Pulsar process exited with status " + process.exitValue()
                                + " before it was ready; its log ends with:\n" + tail(log));
                    }
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the Pulsar process was not ready within " + READY_TIMEOUT
                                + "; its log ends with:\n" + tail(log));
                    }
                } else if (line.startsWith(PulsarBroker.SERVICE_URL_PREFIX)) {
                    serviceUrl = line.substring(PulsarBroker.SERVICE_URL_PREFIX.length());
                } else if (line.startsWith(PulsarBroker.WEB_URL_PREFIX)) {
                    webServiceUrl = line.substring(PulsarBroker.WEB_URL_PREFIX.length());
                }
            }
            return new PulsarProcess(process, workDir, serviceUrl, webServiceUrl,
                    Duration.ofNanos(System.nanoTime() - startNanos));
        } catch (Exception e) {
            if (process != null) {
                stop(process);
            }
            try {
                Directories.deleteRecursively(workDir);
            } catch (RuntimeException deleteFailure) {
                e.addSuppressed(deleteFailure);
            }
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            if (e instanceof IllegalStateException illegalState) {
                throw illegalState;
            }
            throw new IllegalStateException("cannot start the Pulsar process: " + e.getMessage(), e);
        }
    }

    /** The binary protocol address, e.g. {@code pulsar://127.0.0.1:41873}. */
    public String serviceUrl() {
        return serviceUrl;
    }

    /** The admin REST address, e.g. {@code http://127.0.0.1:39021}. */
    public String webServiceUrl() {
        return webServiceUrl;
    }

    /** From {@link #start()} until the broker in the child passed its health check, JVM start included. */
    public Duration startupTime() {
        return startupTime;
    }

    /** The child's process id, for a test that means to kill it. */
    public long pid() {
        return process.pid();
    }

    /** Stops the child (SIGTERM, then SIGKILL after a minute; it deletes its data) and deletes its log. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stop(process);
        Directories.deleteRecursively(workDir);
    }

    private static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static void drain(InputStream output, BlockingQueue<String> lines) {
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(output, StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(line);
                }
            } catch (IOException closed) {
                // The child is gone; start() notices through isAlive().
            }
        }, "pulsar-process-output");
        reader.setDaemon(true);
        reader.start();
    }

    private static String brokerClasspath() throws IOException, URISyntaxException {
        String written;
        try (InputStream in = PulsarProcess.class.getResourceAsStream(CLASSPATH_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(CLASSPATH_RESOURCE + " is missing next to " + PulsarProcess.class.getName()
                        + ": build the embedded-pulsar module with Maven");
            }
            written = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
        String[] entries = written.split(java.io.File.pathSeparator);
        Arrays.stream(entries).filter(entry -> !Files.exists(Path.of(entry))).findFirst().ifPresent(missing -> {
            throw new IllegalStateException("the broker class path written at build time names " + missing
                    + ", which is not there (was the module built on another machine, or the local Maven repository"
                    + " cleaned?)");
        });
        Path self = Path.of(PulsarProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        return self + java.io.File.pathSeparator + written;
    }

    private static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_LINES_IN_ERRORS), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }
}
