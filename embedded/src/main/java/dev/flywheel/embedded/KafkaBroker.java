package dev.flywheel.embedded;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs {@link EmbeddedKafka} as a program, for a broker inside a JVM without writing one:
 * {@code java -cp <embedded classpath> dev.flywheel.embedded.KafkaBroker --port 9092}.
 * Prints {@code bootstrap.servers=...} once clients can connect and runs until interrupted.
 *
 * <p>Its data does not survive a restart (see {@link EmbeddedKafka.Builder#dataDir(Path)});
 * {@code scripts/kafka-start.sh} runs a persistent broker process instead.
 */
public final class KafkaBroker {

    private static final String USAGE = """
            Usage: KafkaBroker [--port PORT] [--data-dir DIR]
              --port PORT      client port on localhost (default 9092; 0 picks a free port)
              --data-dir DIR   empty directory for the broker's data, kept after exit
                               (default: a temporary directory deleted on exit)
            """;

    private KafkaBroker() {
    }

    public static void main(String[] args) throws InterruptedException {
        int port = 9092;
        Path dataDir = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(valueOf(args, ++i, "--port"));
                case "--data-dir" -> dataDir = Path.of(valueOf(args, ++i, "--data-dir"));
                case "-h", "--help" -> {
                    System.out.print(USAGE);
                    return;
                }
                default -> fail("unknown argument " + args[i]);
            }
        }

        EmbeddedKafka.Builder builder = EmbeddedKafka.builder().port(port);
        if (dataDir != null) {
            builder.dataDir(dataDir);
        }
        EmbeddedKafka kafka;
        try {
            kafka = builder.start();
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("KafkaBroker: " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            kafka.close();
            stopped.countDown();
        }, "kafka-broker-shutdown"));

        System.out.println("bootstrap.servers=" + kafka.bootstrapServers());
        System.out.printf("started in %d ms; Ctrl-C stops%n", kafka.startupTime().toMillis());
        stopped.await();
    }

    private static String valueOf(String[] args, int index, String option) {
        if (index >= args.length) {
            fail(option + " needs a value");
        }
        return args[index];
    }

    private static void fail(String message) {
        System.err.println("KafkaBroker: " + message);
        System.err.print(USAGE);
        System.exit(2);
    }
}
