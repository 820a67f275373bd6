package dev.flywheel.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.http.HardenedHttpServer;
import dev.flywheel.search.CatalogIndex;
import dev.flywheel.search.HybridRetriever;
import dev.flywheel.search.HybridRetriever.Fusion;
import dev.flywheel.search.LearningRounds;
import dev.flywheel.search.RetrievalEvaluation;
import dev.flywheel.trainer.ranking.PairwiseRankerTrainer;
import dev.flywheel.trainer.ranking.RankingImpression;
import dev.flywheel.search.SearchEngine;
import dev.flywheel.search.SearchHttpApi;
import dev.flywheel.search.SearchLog;
import dev.flywheel.search.SentenceEmbedder;
import dev.flywheel.search.SimulatedShop;
import dev.flywheel.simulator.SearchWorld;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Search latency over HTTP at fixed offered loads, on the simulator's catalogue. Requests are sent
 * on a schedule (open loop) and each latency is measured from when its request was due, not when
 * it went out, so a server that falls behind shows it instead of slowing the client down with it.
 * The server's own split (embedding, retrieval, re-ranking) comes from each response.
 */
@Command(name = "bench-search", mixinStandardHelpOptions = true,
        description = "p50/p99 latency and queries/s of GET /search at several offered loads")
public final class SearchBenchmark implements Callable<Integer> {
    @Option(names = "--items", defaultValue = "50000", description = "catalogue size (default ${DEFAULT-VALUE})")
    int items;

    @Option(names = "--rates", defaultValue = "25,50,100,150", split = ",",
            description = "offered loads in queries/s (default ${DEFAULT-VALUE})")
    int[] rates;

    @Option(names = "--seconds", defaultValue = "20", description = "seconds per load (default ${DEFAULT-VALUE})")
    int seconds;

    @Option(names = "--seed", defaultValue = "42", description = "simulator seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--ranker-queries", defaultValue = "300",
            description = "searches of one click round to train the ranker that re-ranks during the run; 0: no ranker (default ${DEFAULT-VALUE})")
    int rankerQueries;

    @Option(names = "--embedding-cache", defaultValue = "run/search-cache",
            description = "folder for the items' embeddings (default ${DEFAULT-VALUE})")
    Path cacheDir;

    private static final ObjectMapper JSON = new ObjectMapper();

    private record Sample(double totalMs, double embedMs, double retrieveMs, double rerankMs, boolean ok) {
    }

    @Override
    public Integer call() throws Exception {
        if (rankerQueries < 0 || items < 20 || seconds < 1 || rates.length == 0 || Arrays.stream(rates).anyMatch(r -> r < 1)) {
            System.err.println("bench-search: --items >= 20, --seconds >= 1, --rates positive integers");
            return 2;
        }
        SearchWorld world = SimulatedShop.world(seed, items);
        long start = System.nanoTime();
        CatalogIndex index;
        try (SentenceEmbedder indexing = new SentenceEmbedder(Runtime.getRuntime().availableProcessors())) {
            index = SimulatedShop.index(world, indexing, cacheDir);
        }
        System.out.printf("index: %,d items (embeddings cached in %s) in %.1f s%n", items, cacheDir,
                (System.nanoTime() - start) / 1e9);
        SentenceEmbedder embedder = new SentenceEmbedder();
        SearchEngine engine = new SearchEngine(new HybridRetriever(index, embedder, HybridRetriever.DEFAULT_DEPTH,
                HybridRetriever.DEFAULT_RRF_K, 0.3), Fusion.RRF, SearchLog.NONE, Clock.systemUTC());
        if (rankerQueries > 0) {
            HybridRetriever retriever = new HybridRetriever(index, embedder, HybridRetriever.DEFAULT_DEPTH,
                    HybridRetriever.DEFAULT_RRF_K, 0.3);
            RetrievalEvaluation evaluation = new RetrievalEvaluation(world, retriever);
            LearningRounds rounds = new LearningRounds(world, retriever, Fusion.RRF, SearchBenchmark::trainRanker);
            LearningRounds.RoundResult result = rounds.round(1, evaluation.trainingQueries(rankerQueries),
                    evaluation.heldOutQueries(50));
            engine.useReranker(rounds.learning());
            System.out.printf("ranker: trained on %d searches of one click round (held-out NDCG@10 %.3f)%n",
                    result.listsSoFar(), result.learningNdcg());
        }
        HttpClient client = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(4)).build();
        try (HardenedHttpServer server = HardenedHttpServer.builder("search").bind("127.0.0.1", 0)
                .handler(new SearchHttpApi(engine)).build().start()) {
            String base = "http://127.0.0.1:" + server.port() + "/search?k=10&q=";
            // Warm-up: JIT, ONNX Runtime's first runs, Lucene's first reads.
            run(client, base, world, 20, 5, 1_000_000);
            System.out.printf("%n| offered q/s | served q/s | p50 ms | p99 ms | embed p50/p99 | retrieve p50/p99 | rerank p50/p99 | errors |%n");
            System.out.printf("|---|---|---|---|---|---|---|---|%n");
            long queryId = 0;
            for (int rate : rates) {
                List<Sample> samples = run(client, base, world, rate, seconds, queryId);
                queryId += (long) rate * seconds;
                print(rate, seconds, samples);
            }
        } finally {
            embedder.close();
            index.close();
        }
        return 0;
    }

    private static List<Sample> run(HttpClient client, String base, SearchWorld world, int rate, int seconds,
                                    long firstQuery) throws Exception {
        int count = rate * seconds;
        List<CompletableFuture<Sample>> futures = new ArrayList<>(count);
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        long t0 = System.nanoTime() + 50_000_000L;
        for (int i = 0; i < count; i++) {
            long due = t0 + (long) (i * 1e9 / rate);
            String query = world.query(firstQuery + i).text();
            CompletableFuture<Sample> result = new CompletableFuture<>();
            futures.add(result);
            scheduler.schedule(() -> {
                HttpRequest request = HttpRequest.newBuilder(URI.create(base + URLEncoder.encode(query, StandardCharsets.UTF_8)))
                        .timeout(Duration.ofSeconds(60)).GET().build();
                client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).whenComplete((response, error) -> {
                    double totalMs = (System.nanoTime() - due) / 1e6;
                    if (error != null || response.statusCode() != 200) {
                        result.complete(new Sample(totalMs, 0, 0, 0, false));
                        return;
                    }
                    try {
                        JsonNode timings = JSON.readTree(response.body()).get("timings_ms");
                        result.complete(new Sample(totalMs, timings.get("embed").asDouble(),
                                timings.get("retrieve").asDouble(), timings.get("rerank").asDouble(), true));
                    } catch (Exception e) {
                        result.complete(new Sample(totalMs, 0, 0, 0, false));
                    }
                });
            }, Math.max(0, due - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(seconds + 120L, TimeUnit.SECONDS);
        long t1 = System.nanoTime();
        scheduler.shutdown();
        List<Sample> samples = new ArrayList<>(count);
        for (CompletableFuture<Sample> future : futures) {
            samples.add(future.get());
        }
        lastServedRate = count / ((t1 - t0) / 1e9);
        return samples;
    }

    private static double lastServedRate;

    private static void print(int rate, int seconds, List<Sample> samples) {
        List<Sample> ok = samples.stream().filter(Sample::ok).toList();
        System.out.printf("| %d | %.1f | %.1f | %.1f | %.1f / %.1f | %.1f / %.1f | %.1f / %.1f | %d |%n",
                rate, lastServedRate,
                quantile(ok.stream().mapToDouble(Sample::totalMs).toArray(), 0.5),
                quantile(ok.stream().mapToDouble(Sample::totalMs).toArray(), 0.99),
                quantile(ok.stream().mapToDouble(Sample::embedMs).toArray(), 0.5),
                quantile(ok.stream().mapToDouble(Sample::embedMs).toArray(), 0.99),
                quantile(ok.stream().mapToDouble(Sample::retrieveMs).toArray(), 0.5),
                quantile(ok.stream().mapToDouble(Sample::retrieveMs).toArray(), 0.99),
                quantile(ok.stream().mapToDouble(Sample::rerankMs).toArray(), 0.5),
                quantile(ok.stream().mapToDouble(Sample::rerankMs).toArray(), 0.99),
                samples.size() - ok.size());
    }

    static double quantile(double[] values, double q) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }

    private static byte[] trainRanker(List<String> names, List<LearningRounds.TrainingList> lists, long version) {
        List<RankingImpression> impressions = new ArrayList<>(lists.size());
        for (LearningRounds.TrainingList list : lists) {
            impressions.add(new RankingImpression(list.features(), list.clicked(), list.propensities()));
        }
        return PairwiseRankerTrainer.train(names, impressions, PairwiseRankerTrainer.Options.defaults())
                .toOnnx("search-ranker", version);
    }

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new SearchBenchmark());
        cli.setParameterExceptionHandler((e, a) -> {
            System.err.println("bench-search: " + e.getMessage());
            return 2;
        });
        System.exit(cli.execute(args));
    }
}
