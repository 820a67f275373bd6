package dev.flywheel.search;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.search.HybridRetriever.Fusion;
import dev.flywheel.search.RetrievalEvaluation.Judged;
import dev.flywheel.simulator.SearchWorld;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** NDCG@10 on held-out simulated queries: hybrid retrieval must beat keyword search alone. */
class RetrievalEvaluationTest {
    private static SentenceEmbedder embedder;
    private static CatalogIndex index;
    private static SearchWorld world;

    @BeforeAll
    static void build() {
        embedder = new SentenceEmbedder();
        world = SimulatedShop.world(11, 2_000);
        index = SimulatedShop.index(world, embedder, null);
    }

    @AfterAll
    static void close() {
        index.close();
        embedder.close();
    }

    @Test
    void hybridBeatsBm25OnHeldOutQueries() {
        HybridRetriever retriever = new HybridRetriever(index, embedder, HybridRetriever.DEFAULT_DEPTH,
                HybridRetriever.DEFAULT_RRF_K, 0.5);
        RetrievalEvaluation evaluation = new RetrievalEvaluation(world, retriever);
        List<Judged> training = evaluation.trainingQueries(150);
        List<Judged> heldOut = evaluation.heldOutQueries(200);
        double weight = evaluation.tuneLinearWeight(training);
        Map<String, Double> table = evaluation.table(heldOut, weight);
        System.out.println("NDCG@10 on 200 held-out queries, 2,000 items:");
        System.out.print(RetrievalEvaluation.format(table));

        double bm25 = evaluation.ndcg(heldOut, retriever, Fusion.BM25);
        double rrf = evaluation.ndcg(heldOut, retriever, Fusion.RRF);
        double linear = evaluation.ndcg(heldOut, retriever.withLinearWeight(weight), Fusion.LINEAR);
        assertThat(rrf).isGreaterThan(bm25 + 0.02);
        assertThat(linear).isGreaterThan(bm25 + 0.02);
        // The tuned weight uses both signals: neither retriever alone is best.
        assertThat(weight).isStrictlyBetween(0.0, 1.0);
    }
}
