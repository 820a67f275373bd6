package dev.flywheel.embedded.pulsar;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs {@link EmbeddedPulsar} as a program: what {@code scripts/pulsar-start.sh} and
 * {@link PulsarProcess} start. Prints {@code pulsar.service.url=...} and {@code pulsar.web.url=...}
 * once the broker has passed its health check, and runs until interrupted (SIGTERM or Ctrl-C
 * stop it cleanly).
 */
public final class PulsarBroker {
    /** The line prefixes a launcher waits for on standard output. */
    public static final String SERVICE_URL_PREFIX = "pulsar.service.url=";
    public static final String WEB_URL_PREFIX = "pulsar.web.url=";

    private static final String USAGE = """
            Usage: PulsarBroker [--port PORT] [--web-port PORT] [--data-dir DIR] [--stop-on-stdin-eof]
              --port PORT           binary protocol port on 127.0.0.1 (default 6650; 0 picks a free port)
              --web-port PORT       admin REST port on 127.0.0.1 (default 8080; 0 picks a free port)
              --data-dir DIR        metadata, journal and ledgers, kept after exit so topics survive
                                    a restart (default: a temporary directory deleted on exit)
              --stop-on-stdin-eof   stop when standard input closes: a parent process that starts
                                    the broker and dies takes it along
            """;

    private PulsarBroker() {
    }

    public static void main(String[] args) throws InterruptedException {
        int port = 6650;
        int webPort = 8080;
        Path dataDir = null;
        boolean stopOnStdinEof = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = portOf(valueOf(args, ++i, "--port"), "--port");
                case "--web-port" -> webPort = portOf(valueOf(args, ++i, "--web-port"), "--web-port");
                case "--data-dir" -> dataDir = Path.of(valueOf(args, ++i, "--data-dir"));
                case "--stop-on-stdin-eof" -> stopOnStdinEof = true;
                case "-h", "--help" -> {
                    System.out.print(USAGE);
                    return;
                }
                default -> fail("unknown argument " + args[i]);
            }
        }
        if (port != 0 && port == webPort) {
            fail("--port and --web-port must differ");
        }

        EmbeddedPulsar.Builder builder = EmbeddedPulsar.builder().brokerPort(port).webServicePort(webPort);
        if (dataDir != null) {
            builder.dataDir(dataDir);
        }
        EmbeddedPulsar pulsar;
        try {
            pulsar = builder.start();
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("PulsarBroker: " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            pulsar.close();
            stopped.countDown();
        }, "pulsar-broker-shutdown"));

        System.out.println(SERVICE_URL_PREFIX + pulsar.serviceUrl());
        System.out.println(WEB_URL_PREFIX + pulsar.webServiceUrl());
        System.out.printf("started in %d ms; Ctrl-C stops%n", pulsar.startupTime().toMillis());
        System.out.flush();
        if (stopOnStdinEof) {
            Thread watcher = new Thread(() -> {
                awaitEndOfInput(System.in);
                System.exit(0);
            }, "pulsar-broker-parent-watch");
            watcher.setDaemon(true);
            watcher.start();
        }
        stopped.await();
    }

    private static void awaitEndOfInput(InputStream in) {
        byte[] buffer = new byte[256];
        try {
            while (in.read(buffer) >= 0) {
                // Nothing is ever sent; the read only ends when the parent closes the pipe or dies.
            }
        } catch (IOException closed) {
            // Same meaning as end of input.
        }
    }

    private static int portOf(String value, String option) {
        try {
            int port = Integer.parseInt(value);
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // Reported below.
        }
        fail(option + " must be a port number 0..65535, was " + value);
        return -1;
    }

    private static String valueOf(String[] args, int index, String option) {
        if (index >= args.length) {
            fail(option + " needs a value");
        }
        return args[index];
    }

    private static void fail(String message) {
        System.err.println("PulsarBroker: " + message + " (see --help)");
        System.exit(2);
    }
}
