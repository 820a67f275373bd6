package dev.flywheel.search;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.embedded.EmbeddedKafkaExtension;
import dev.flywheel.events.Topics;
import dev.flywheel.features.SearchRankingFeatures;
import dev.flywheel.registry.RegistryService;
import dev.flywheel.registry.api.AliasUpdate;
import dev.flywheel.registry.client.RegistryClient;
import dev.flywheel.search.CatalogIndex.Listing;
import dev.flywheel.search.HybridRetriever.Fusion;
import dev.flywheel.trainer.ranking.PairwiseRanker;
import dev.flywheel.trainer.ranking.PairwiseRankerTrainer;
import dev.flywheel.trainer.ranking.RankingImpression;
import java.net.URI;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The search service takes its ranker from the real registry as {@code model-updates} announce it
 * (real broker): a new champion is swapped in, one the service cannot serve is refused while the
 * previous keeps serving, and a later good one replaces it.
 */
class RegistryRankerUpdatesTest {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final Duration DEADLINE = Duration.ofMinutes(2);
    private static final List<Listing> CATALOG = List.of(
            new Listing("drill", "Torkwerk cordless power drill", "Torkwerk", "tools", "colour grey, cordless", 129),
            new Listing("driver", "Torkwerk cordless impact driver", "Torkwerk", "tools", "colour black, cordless", 99),
            new Listing("saw", "Sagemann cordless circular saw", "Sagemann", "tools", "colour yellow, cordless", 159),
            new Listing("lamp", "Lumo brass desk lamp", "Lumo", "home", "colour gold, vintage", 39),
            new Listing("tent", "Zeltmann two person camping tent", "Zeltmann", "outdoor", "colour olive, lightweight", 189));

    private static SentenceEmbedder embedder;
    private static CatalogIndex index;
    private static HybridRetriever retriever;

    @BeforeAll
    static void build() {
        embedder = new SentenceEmbedder();
        index = CatalogIndex.build(CATALOG, embedder.embedAll(CATALOG.stream().map(Listing::text).toList()));
        retriever = new HybridRetriever(index, embedder, 5, HybridRetriever.DEFAULT_RRF_K, 0.5);
    }

    @AfterAll
    static void close() {
        index.close();
        embedder.close();
    }

    @Test
    void aNewChampionIsSwappedInAndOneThatCannotServeIsRefusedWhileThePreviousServes() throws Exception {
        KAFKA.kafka().createTopic(Topics.MODEL_UPDATES, 1, Map.of("cleanup.policy", "compact"));
        try (RegistryService registry = RegistryService.start(RegistryService.Config.local(
                Files.createTempDirectory("flywheel-registry")).withKafka(KAFKA.kafka().bootstrapServers()))) {
            RegistryClient editor = new RegistryClient(URI.create(registry.url()), "local-editor-token");
            RegistryClient reader = new RegistryClient(URI.create(registry.url()), "local-reader-token");
            SearchEngine engine = new SearchEngine(retriever, Fusion.RRF, SearchLog.NONE, Clock.systemUTC());
            assertThat(engine.search("cordless drill", "u-1", "s-1", 3).rankedBy()).isEqualTo("fusion:rrf");

            int first = register(editor, SearchRankingFeatures.NAMES, 1);
            editor.setAliases(SearchRankingFeatures.MODEL, new AliasUpdate(first, 0, 0, 0, 0));
            try (RegistryRankerUpdates updates = new RegistryRankerUpdates(engine, reader,
                    (version, onnx) -> new OnnxReranker(version, onnx, retriever, new ClickStatistics()),
                    KAFKA.kafka().bootstrapServers(), Topics.MODEL_UPDATES).start()) {
                await("v" + first + " serving", () -> updates.servedVersion() == first, updates::refusals);
                assertThat(engine.search("cordless drill", "u-1", "s-1", 3).rankedBy())
                        .isEqualTo("search-ranker:" + first);

                // The registry accepts it (every name is known, its metadata matches its descriptor), but
                // its columns are in another order than the service computes them.
                List<String> swapped = new ArrayList<>(SearchRankingFeatures.NAMES);
                Collections.swap(swapped, 0, 1);
                int misordered = register(editor, swapped, 2);
                editor.setAliases(SearchRankingFeatures.MODEL, new AliasUpdate(misordered, 0, 0, 0, 0));
                await("v" + misordered + " refused", () -> updates.refusals().stream()
                        .anyMatch(r -> r.version() == misordered), updates::refusals);
                assertThat(updates.servedVersion()).isEqualTo(first);
                assertThat(engine.search("cordless drill", "u-1", "s-1", 3).rankedBy())
                        .isEqualTo("search-ranker:" + first);
                assertThat(updates.refusals()).singleElement().satisfies(r -> assertThat(r.reason())
                        .contains("this service computes"));

                int third = register(editor, SearchRankingFeatures.NAMES, 3);
                editor.setAliases(SearchRankingFeatures.MODEL, new AliasUpdate(third, 0, 0, 0, 0));
                await("v" + third + " serving", () -> updates.servedVersion() == third, updates::refusals);
                SearchEngine.Response response = engine.search("cordless drill", "u-1", "s-1", 3);
                assertThat(response.rankedBy()).isEqualTo("search-ranker:" + third);
                assertThat(response.results()).hasSize(3);
                System.out.printf("search-ranker hot swap: served v%d, refused v%d (%s), then served v%d%n", first,
                        misordered, updates.refusals().get(0).reason(), third);
            }
        }
    }

    /** Trains a ranker on lists whose clicks follow the cosine feature and registers it; returns its version. */
    private static int register(RegistryClient editor, List<String> featureNames, long seed) {
        Random random = new Random(seed);
        List<RankingImpression> lists = new ArrayList<>();
        for (int l = 0; l < 200; l++) {
            float[][] rows = new float[5][featureNames.size()];
            boolean[] clicked = new boolean[5];
            for (int r = 0; r < 5; r++) {
                for (int f = 0; f < rows[r].length; f++) {
                    rows[r][f] = (float) random.nextDouble();
                }
                clicked[r] = random.nextDouble() < rows[r][1];
            }
            lists.add(new RankingImpression(rows, clicked, new double[] {1, 0.5, 0.33, 0.25, 0.2}));
        }
        PairwiseRanker ranker = PairwiseRankerTrainer.train(featureNames, lists,
                PairwiseRankerTrainer.Options.defaults().withSeed(seed));
        byte[] onnx = ranker.toOnnx(SearchRankingFeatures.MODEL, seed);
        return editor.register(ranker.descriptor(SearchRankingFeatures.MODEL, onnx, Map.of(), "test"), onnx).version();
    }

    private static void await(String what, BooleanSupplier condition, Supplier<Object> state)
            throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waiting for " + what + " for " + DEADLINE.toSeconds() + " s: " + state.get());
            }
            Thread.sleep(50);
        }
    }
}
