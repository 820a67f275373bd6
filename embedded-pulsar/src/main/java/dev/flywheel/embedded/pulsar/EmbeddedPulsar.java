package dev.flywheel.embedded.pulsar;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.pulsar.PulsarStandaloneStarter;
import org.apache.pulsar.client.admin.PulsarAdmin;
import org.apache.pulsar.client.admin.PulsarAdminException;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;

/**
 * A real Pulsar broker running in this JVM: Pulsar's own standalone mode (a RocksDB metadata
 * store, one BookKeeper bookie, one broker), started through {@link PulsarStandaloneStarter} as
 * {@code bin/pulsar standalone} does, on free ports, with data in a temporary directory that
 * {@link #close()} deletes.
 *
 * <pre>{@code
 * try (EmbeddedPulsar pulsar = EmbeddedPulsar.start();
 *      PulsarClient client = pulsar.newClient()) {
 *     ... client.newProducer().topic("persistent://public/default/retrain-requests") ...
 * }
 * }</pre>
 *
 * <p>{@link Builder#start()} returns once the broker has passed its own health check, a produce
 * and consume round trip through BookKeeper on the broker's heartbeat topic, so the first
 * producer of a test never races the broker's start. It takes about 9 s on a quiet 2-core
 * machine. Functions, stream storage and the WebSocket proxy are off. Pulsar's poms name
 * repositories besides Maven Central; the build blocks them in {@code .mvn/settings.xml}.
 *
 * <p>Known limit: Pulsar halts the JVM on errors it treats as fatal (losing its metadata store
 * session, for example), as it would halt a standalone process. Nothing in a test provokes one.
 */
public final class EmbeddedPulsar implements AutoCloseable {

    /** The cluster name written into the broker's configuration and its metadata. */
    public static final String CLUSTER = "flywheel-embedded";

    /** A deadline for the health check, not a wait: a loaded 2-core machine takes a while to open the first ledger. */
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

    private final QuietStarter standalone;
    private final Path baseDir;
    private final boolean deleteOnClose;
    private final String serviceUrl;
    private final String webServiceUrl;
    private final Duration startupTime;
    private final Thread shutdownHook;
    private boolean closed;

    private EmbeddedPulsar(QuietStarter standalone, Path baseDir, boolean deleteOnClose, Duration startupTime) {
        this.standalone = standalone;
        this.baseDir = baseDir;
        this.deleteOnClose = deleteOnClose;
        this.serviceUrl = standalone.getBrokerServiceUrl();
        this.webServiceUrl = standalone.getWebServiceUrl();
        this.startupTime = startupTime;
        // A test JVM that exits without close() would otherwise leave the bookie's files in /tmp.
        this.shutdownHook = new Thread(this::stop, "embedded-pulsar-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts a broker with the defaults: free ports, temporary data directory. */
    public static EmbeddedPulsar start() {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The binary protocol address for {@code PulsarClient.builder().serviceUrl(...)}, e.g. {@code pulsar://127.0.0.1:41873}. */
    public String serviceUrl() {
        return serviceUrl;
    }

    /** The admin REST address, e.g. {@code http://127.0.0.1:39021}. */
    public String webServiceUrl() {
        return webServiceUrl;
    }

    /** Wall-clock time from {@link Builder#start()} until the broker passed its health check. */
    public Duration startupTime() {
        return startupTime;
    }

    /** Where the metadata, the bookie's journal and ledgers, and the broker's configuration file live. */
    public Path dataDir() {
        return baseDir;
    }

    /** A new client of this broker; the caller closes it. */
    public PulsarClient newClient() {
        try {
            return PulsarClient.builder().serviceUrl(serviceUrl).build();
        } catch (PulsarClientException e) {
            throw new IllegalStateException("cannot create a Pulsar client for " + serviceUrl + ": " + e.getMessage(), e);
        }
    }

    /** A new admin client of this broker; the caller closes it. */
    public PulsarAdmin admin() {
        try {
            return PulsarAdmin.builder().serviceHttpUrl(webServiceUrl).build();
        } catch (PulsarClientException e) {
            throw new IllegalStateException("cannot create a Pulsar admin client for " + webServiceUrl + ": " + e.getMessage(), e);
        }
    }

    /**
     * Creates a non-partitioned persistent topic, e.g. {@code persistent://public/default/retrain-requests}.
     * Producers create topics on first use too; creating one first makes a consumer that starts
     * before any producer, or a subscription made ahead of the first message, unambiguous.
     */
    public void createTopic(String topic) {
        try (PulsarAdmin admin = admin()) {
            admin.topics().createNonPartitionedTopic(topic);
        } catch (PulsarAdminException e) {
            throw new IllegalStateException("cannot create topic " + topic + ": " + e.getMessage(), e);
        }
    }

    /** Stops the broker, the bookie and the metadata store, and deletes the data unless it was chosen with {@link Builder#dataDir}. */
    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // Called from another shutdown hook: ours is running or has run.
        }
    }

    private synchronized void stop() {
        if (closed) {
            return;
        }
        closed = true;
        standalone.close();
        if (deleteOnClose) {
            Directories.deleteRecursively(baseDir);
        }
    }

    /**
     * Pulsar's own starter, with its two process-level habits turned off for a library: it calls
     * {@code System.exit} on bad arguments, and registers a JVM shutdown hook per instance
     * ({@link EmbeddedPulsar} registers one that also deletes the data).
     */
    private static final class QuietStarter extends PulsarStandaloneStarter {
        QuietStarter(String[] args) throws Exception {
            super(args);
        }

        @Override
        protected void exit(int status) {
            throw new IllegalArgumentException("Pulsar's standalone starter refused its arguments (status " + status + ")");
        }

        @Override
        protected void registerShutdownHook() {
        }
    }

    /** Broker settings. Anything not covered by a named method goes through {@link #brokerProperty}. */
    public static final class Builder {
        private final Map<String, Object> properties = new LinkedHashMap<>();
        private int brokerPort;
        private int webServicePort;
        private Path dataDir;

        private Builder() {
            properties.put("clusterName", CLUSTER);
            properties.put("bindAddress", "127.0.0.1");
            properties.put("advertisedAddress", "127.0.0.1");
            // One bookie: every ledger can have one copy only (Pulsar's defaults ask for two).
            properties.put("managedLedgerDefaultEnsembleSize", 1);
            properties.put("managedLedgerDefaultWriteQuorum", 1);
            properties.put("managedLedgerDefaultAckQuorum", 1);
            properties.put("functionsWorkerEnabled", false);
            properties.put("webSocketServiceEnabled", false);
            // The standalone starter sizes the bookie's caches as a share of the JVM's direct memory
            // (a quarter each, allocated up front for the write cache): hundreds of MB beside a test.
            properties.put("dbStorage_writeCacheMaxSizeMb", 16);
            properties.put("dbStorage_readAheadCacheMaxSizeMb", 16);
            properties.put("dbStorage_rocksDB_blockCacheSize", 16L * 1024 * 1024);
            properties.put("managedLedgerCacheSizeMB", 32);
            // A graceful unload of every topic on close waits up to a minute by default.
            properties.put("brokerShutdownTimeoutMs", 5_000);
        }

        /** Binary protocol port on 127.0.0.1; 0 (the default) picks a free one. */
        public Builder brokerPort(int port) {
            this.brokerPort = checkPort(port);
            return this;
        }

        /** Admin REST port on 127.0.0.1; 0 (the default) picks a free one. */
        public Builder webServicePort(int port) {
            this.webServicePort = checkPort(port);
            return this;
        }

        /**
         * Keeps the metadata and the bookie's journal and ledgers in this directory and leaves them
         * there after close, so a later start with the same directory finds its topics again. By
         * default a temporary directory is used and deleted on close.
         */
        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        /** Any broker or bookie setting of Pulsar's {@code standalone.conf}, e.g. {@code allowAutoTopicCreation}. */
        public Builder brokerProperty(String key, Object value) {
            properties.put(key, value);
            return this;
        }

        public Builder brokerProperties(Map<String, ?> more) {
            properties.putAll(more);
            return this;
        }

        public EmbeddedPulsar start() {
            for (int port : new int[] {brokerPort, webServicePort}) {
                if (port > 0) {
                    requirePortFree(port);
                }
            }
            long startNanos = System.nanoTime();
            boolean temporary = dataDir == null;
            Path baseDir;
            try {
                baseDir = temporary ? Files.createTempDirectory("flywheel-pulsar-") : prepared(dataDir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the Pulsar data directory", e);
            }
            QuietStarter standalone = null;
            try {
                Path metadata = baseDir.resolve("metadata");
                Path bookkeeper = baseDir.resolve("bookkeeper");
                Path config = writeConfig(baseDir, bookkeeper);
                List<String> args = new ArrayList<>(List.of(
                        "--config", config.toString(),
                        "--no-functions-worker", "--no-stream-storage",
                        "--metadata-dir", metadata.toString(),
                        "--bookkeeper-dir", bookkeeper.toString(),
                        // The starter switches to ZooKeeper mode if this directory exists; it never will.
                        "--zookeeper-dir", baseDir.resolve("zookeeper-unused").toString()));
                if (temporary) {
                    args.add("--wipe-data");
                }
                standalone = new QuietStarter(args.toArray(String[]::new));
                standalone.start();
                awaitHealthy(standalone.getWebServiceUrl());
                return new EmbeddedPulsar(standalone, baseDir, temporary, Duration.ofNanos(System.nanoTime() - startNanos));
            } catch (Exception e) {
                if (standalone != null) {
                    try {
                        standalone.close();
                    } catch (RuntimeException closeFailure) {
                        e.addSuppressed(closeFailure);
                    }
                }
                if (temporary) {
                    try {
                        Directories.deleteRecursively(baseDir);
                    } catch (RuntimeException deleteFailure) {
                        e.addSuppressed(deleteFailure);
                    }
                }
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                throw new IllegalStateException("Pulsar broker failed to start: " + e.getMessage(), e);
            }
        }

        /**
         * One file configures the broker and the bookie (the standalone starter reads it twice).
         * {@code metadataStoreUrl} stays out: the starter would parse it for a ZooKeeper port; the
         * metadata store is RocksDB in {@code --metadata-dir}.
         */
        private Path writeConfig(Path baseDir, Path bookkeeper) throws IOException {
            Map<String, Object> effective = new LinkedHashMap<>(properties);
            effective.put("brokerServicePort", brokerPort);
            effective.put("webServicePort", webServicePort);
            effective.put("journalDirectory", bookkeeper.toString());
            effective.put("ledgerDirectories", bookkeeper.toString());
            effective.remove("metadataStoreUrl");
            Path config = baseDir.resolve("standalone.conf");
            try (Writer writer = Files.newBufferedWriter(config)) {
                writer.write("# Written by EmbeddedPulsar at every start.\n");
                for (Map.Entry<String, Object> entry : effective.entrySet()) {
                    writer.write(entry.getKey() + "=" + entry.getValue() + "\n");
                }
            }
            return config;
        }

        /**
         * The broker's own health check: it produces to and consumes from its heartbeat topic,
         * through the bookie. Until the first ledger opens, it fails or times out; it is retried
         * until the deadline rather than waited for a fixed time.
         */
        private static void awaitHealthy(String webServiceUrl) throws Exception {
            long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
            try (PulsarAdmin admin = PulsarAdmin.builder().serviceHttpUrl(webServiceUrl).build()) {
                while (true) {
                    try {
                        admin.brokers().healthcheck();
                        return;
                    } catch (PulsarAdminException notYet) {
                        if (System.nanoTime() > deadline) {
                            throw new IllegalStateException("the broker failed its health check for " + READY_TIMEOUT
                                    + ": " + notYet.getMessage(), notYet);
                        }
                        Thread.sleep(100);
                    }
                }
            }
        }

        private static int checkPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0..65535, was " + port);
            }
            return port;
        }

        /** Racy, but turns the common case (a broker already running) into one clear line instead of a bind error deep in Netty. */
        private static void requirePortFree(int port) {
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            } catch (IOException e) {
                throw new IllegalStateException("Port " + port + " on 127.0.0.1 is already in use");
            }
        }

        private static Path prepared(Path dir) throws IOException {
            Files.createDirectories(dir);
            return dir.toAbsolutePath();
        }
    }
}
