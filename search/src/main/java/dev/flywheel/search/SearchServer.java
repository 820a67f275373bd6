package dev.flywheel.search;

import dev.flywheel.events.Topics;
import dev.flywheel.http.HardenedHttpServer;
import dev.flywheel.registry.client.RegistryClient;
import dev.flywheel.http.HttpLimits;
import dev.flywheel.search.HybridRetriever.Fusion;
import dev.flywheel.simulator.SearchWorld;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Serves {@code GET /search} over the simulator's catalogue until interrupted. */
@Command(name = "search-server", mixinStandardHelpOptions = true,
        description = "Hybrid search over the simulated catalogue: GET /search?q=...&user=...&k=10")
public final class SearchServer implements Callable<Integer> {
    @Option(names = "--seed", defaultValue = "42", description = "simulator seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--items", defaultValue = "50000", description = "catalogue size (default ${DEFAULT-VALUE})")
    int items;

    @Option(names = "--port", defaultValue = "8097", description = "HTTP port (default ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--bootstrap-servers", description = "Kafka to log result lists to (clickstream); none: not logged")
    String bootstrapServers;

    @Option(names = "--fusion", defaultValue = "RRF", description = "RRF or LINEAR (default ${DEFAULT-VALUE})")
    Fusion fusion;

    @Option(names = "--linear-weight", defaultValue = "0.3",
            description = "BM25 weight of the linear fusion (default ${DEFAULT-VALUE}, tuned by the evaluation)")
    double linearWeight;

    @Option(names = "--ranker", description = "an ONNX search ranker from the trainer to re-rank with; none: fused order")
    Path ranker;

    @Option(names = "--registry", description = "model registry URL: serve its champion search-ranker, swapped as"
            + " model-updates announce changes (needs --bootstrap-servers); none: --ranker or fused order")
    java.net.URI registry;

    @Option(names = "--registry-token", defaultValue = "local-reader-token",
            description = "reader token for the registry (default ${DEFAULT-VALUE})")
    String registryToken;

    @Option(names = "--model-updates-topic", defaultValue = Topics.MODEL_UPDATES,
            description = "compacted topic the registry announces serving changes on (default ${DEFAULT-VALUE})")
    String modelUpdatesTopic;

    @Option(names = "--embedding-cache", defaultValue = "target/search-cache",
            description = "folder for item embeddings computed at index time (default ${DEFAULT-VALUE})")
    Path cacheDir;

    @Override
    public Integer call() throws Exception {
        if (items < 20 || port < 0 || port > 65535 || fusion == Fusion.BM25 || fusion == Fusion.VECTOR) {
            System.err.println("search-server: --items must be at least 20, --port 0-65535, --fusion RRF or LINEAR");
            return 2;
        }
        if (registry != null && (ranker != null || bootstrapServers == null)) {
            System.err.println("search-server: --registry needs --bootstrap-servers (for model-updates) and excludes --ranker");
            return 2;
        }
        SearchWorld world = SimulatedShop.world(seed, items);
        SentenceEmbedder embedder = new SentenceEmbedder();
        long start = System.nanoTime();
        CatalogIndex index = SimulatedShop.index(world, embedder, cacheDir);
        System.out.printf("indexed %,d items in %.1f s%n", items, (System.nanoTime() - start) / 1e9);
        SearchLog log = bootstrapServers == null ? SearchLog.NONE : new KafkaSearchLog(bootstrapServers);
        SearchEngine engine = new SearchEngine(new HybridRetriever(index, embedder, HybridRetriever.DEFAULT_DEPTH,
                HybridRetriever.DEFAULT_RRF_K, linearWeight), fusion, log, Clock.systemUTC());
        if (ranker != null) {
            HybridRetriever retriever = new HybridRetriever(index, embedder, HybridRetriever.DEFAULT_DEPTH,
                    HybridRetriever.DEFAULT_RRF_K, linearWeight);
            // Without the stream feeding it, the ranker's click features start empty: the defaults.
            engine.useReranker(new OnnxReranker(ranker.getFileName().toString(), java.nio.file.Files.readAllBytes(ranker),
                    retriever, new ClickStatistics()));
        }
        ClickStatistics liveStatistics = new ClickStatistics();
        HybridRetriever rankerRetriever = new HybridRetriever(index, embedder, HybridRetriever.DEFAULT_DEPTH,
                HybridRetriever.DEFAULT_RRF_K, linearWeight);
        // Lives as long as the server: its thread is a daemon and the process ends with the server.
        RegistryRankerUpdates updates = registry == null ? null : new RegistryRankerUpdates(engine,
                new RegistryClient(registry, registryToken),
                (version, onnx) -> new OnnxReranker(version, onnx, rankerRetriever, liveStatistics),
                bootstrapServers, modelUpdatesTopic).start();
        try (HardenedHttpServer server = HardenedHttpServer.builder("search")
                .bind("0.0.0.0", port).limits(HttpLimits.defaults()).handler(new SearchHttpApi(engine)).build().start()) {
            System.out.println("search listening on port " + server.port()
                    + (updates == null ? "" : ", ranker from " + registry + " as model-updates announce it"));
            Thread.currentThread().join();
        }
        return 0;
    }

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new SearchServer());
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setParameterExceptionHandler((e, a) -> {
            System.err.println("search-server: " + e.getMessage());
            return 2;
        });
        System.exit(cli.execute(args));
    }
}
