package dev.flywheel.search;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.search.CatalogIndex.Listing;
import dev.flywheel.search.HybridRetriever.Fusion;
import dev.flywheel.search.HybridRetriever.Retrieval;
import dev.flywheel.search.HybridRetriever.Scored;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Retrieval on a small hand-built catalogue, where each case has one right answer. */
class HybridRetrieverTest {
    private static final List<Listing> CATALOG = List.of(
            new Listing("sofa", "Hallberg dark blue sofa", "Hallberg", "home", "colour dark blue, premium", 499),
            new Listing("lamp", "Lumo brass desk lamp", "Lumo", "home", "colour gold, vintage", 39),
            new Listing("headphones", "Sonique wireless headphones", "Sonique", "electronics", "colour black, wireless", 89),
            new Listing("charger", "Voltix fast charger", "Voltix", "electronics", "colour white, compact", 19),
            new Listing("sneakers", "Stride white running shoes", "Stride", "fashion", "colour white, lightweight", 79),
            new Listing("jacket", "Nordwand waterproof parka", "Nordwand", "fashion", "colour green, waterproof", 149),
            new Listing("novel", "Quillon paperback crime novel", "Quillon", "books", "colour red, paperback", 12),
            new Listing("coffee", "Bramante espresso beans", "Bramante", "grocery", "colour brown, organic", 14),
            new Listing("drill", "Torkwerk cordless power drill", "Torkwerk", "tools", "colour grey, cordless", 129),
            new Listing("tent", "Zeltmann two person camping tent", "Zeltmann", "outdoor", "colour olive, lightweight", 189),
            new Listing("gadget", "Xqzv k7 unit", "Xqzv", "electronics", "colour black, compact", 59),
            new Listing("rug", "Teppo wool floor mat", "Teppo", "home", "colour grey, natural", 99));

    private static SentenceEmbedder embedder;
    private static CatalogIndex index;
    private static HybridRetriever retriever;

    @BeforeAll
    static void build() {
        embedder = new SentenceEmbedder();
        float[][] vectors = embedder.embedAll(CATALOG.stream().map(Listing::text).toList());
        index = CatalogIndex.build(CATALOG, vectors);
        retriever = new HybridRetriever(index, embedder, 5, HybridRetriever.DEFAULT_RRF_K, 0.5);
    }

    @AfterAll
    static void close() {
        index.close();
        embedder.close();
    }

    private static List<String> ids(String query, Fusion fusion) {
        Retrieval retrieval = retriever.retrieve(query);
        return retriever.rank(retrieval, fusion, 3).stream()
                .map(Scored::candidate).map(c -> index.listing(c.ord()).itemId()).toList();
    }

    @Test
    void aKeywordOnlyMatchIsFoundByBm25AndKeptByFusion() {
        // A made-up brand means nothing to the embedding model; only the keyword index knows it.
        assertThat(ids("xqzv k7", Fusion.BM25)).first().isEqualTo("gadget");
        assertThat(ids("xqzv k7", Fusion.RRF)).first().isEqualTo("gadget");
        assertThat(ids("xqzv k7", Fusion.LINEAR)).first().isEqualTo("gadget");
    }

    @Test
    void aSynonymOnlyMatchIsFoundByVectorsAndKeptByFusion() {
        // No listing says "couch"; keyword search has nothing, the embedding knows a sofa is one.
        assertThat(ids("couch", Fusion.BM25)).isEmpty();
        assertThat(ids("couch", Fusion.VECTOR)).first().isEqualTo("sofa");
        assertThat(ids("couch", Fusion.RRF)).first().isEqualTo("sofa");
        assertThat(ids("sneakers", Fusion.VECTOR)).first().isEqualTo("sneakers");
        assertThat(ids("sneakers", Fusion.BM25)).isEmpty();
    }

    @Test
    void aMisspellingIsFoundByVectors() {
        assertThat(ids("headphnoes", Fusion.BM25)).isEmpty();
        assertThat(ids("headphnoes", Fusion.VECTOR)).first().isEqualTo("headphones");
        assertThat(ids("headphnoes", Fusion.RRF)).first().isEqualTo("headphones");
    }

    @Test
    void bothRetrieversAgreeingBeatsEitherAlone() {
        Retrieval retrieval = retriever.retrieve("cordless drill");
        Scored top = retriever.rank(retrieval, Fusion.RRF, 1).get(0);
        assertThat(index.listing(top.candidate().ord()).itemId()).isEqualTo("drill");
        assertThat(top.candidate().bm25Rank()).isEqualTo(1);
        assertThat(top.candidate().vectorRank()).isEqualTo(1);
        assertThat(top.score()).isEqualTo(2.0 / (HybridRetriever.DEFAULT_RRF_K + 1));
    }

    @Test
    void luceneSyntaxAndJsonAreSearchedAsWords() {
        // Parsed as Lucene syntax these would be a field query, a wildcard and a range.
        assertThat(ids("drill OR *", Fusion.BM25)).first().isEqualTo("drill");
        assertThat(ids("{\"q\": \"lamp\"}", Fusion.BM25)).first().isEqualTo("lamp");
        assertThat(index.terms("title:[a TO z] \"sofa\"~2 {\"q\": \"lamp\"} -rug"))
                .contains("sofa", "lamp", "rug")
                .allSatisfy(term -> assertThat(term).doesNotContain("*", "[", "]", "\"", "~", "{", "-"));
        assertThat(ids("*:*", Fusion.BM25)).isEmpty();
        assertThat(ids("*:*", Fusion.RRF)).hasSize(3);
    }

    @Test
    void aRankerFromTheTrainerIsSwappedInAndAWrongOneRefused() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(5);
        java.util.List<dev.flywheel.trainer.ranking.RankingImpression> lists = new java.util.ArrayList<>();
        for (int n = 0; n < 200; n++) {
            float[][] rows = new float[5][RankingFeatures.NAMES.size()];
            boolean[] clicked = new boolean[5];
            for (int r = 0; r < 5; r++) {
                for (int f = 0; f < rows[r].length; f++) {
                    rows[r][f] = (float) random.nextDouble();
                }
                // Clicks follow the cosine feature: the ranker should learn to put it first.
                clicked[r] = random.nextDouble() < rows[r][1];
            }
            lists.add(new dev.flywheel.trainer.ranking.RankingImpression(rows, clicked, new double[] {1, 0.5, 0.33, 0.25, 0.2}));
        }
        dev.flywheel.trainer.ranking.PairwiseRanker model = dev.flywheel.trainer.ranking.PairwiseRankerTrainer.train(
                RankingFeatures.NAMES, lists, dev.flywheel.trainer.ranking.PairwiseRankerTrainer.Options.defaults());
        OnnxReranker reranker = new OnnxReranker("3", model.toOnnx("search-ranker", 3), retriever, new ClickStatistics());
        float[][] rows = lists.get(0).features();
        float[] served = reranker.score(rows);
        for (int i = 0; i < rows.length; i++) {
            assertThat(served[i]).isCloseTo(model.score(rows[i]), org.assertj.core.data.Offset.offset(1e-4f));
        }

        SearchEngine engine = new SearchEngine(retriever, Fusion.RRF, SearchLog.NONE, java.time.Clock.systemUTC());
        assertThat(engine.search("cordless drill", "user-1", "s-1", 3).rankedBy()).isEqualTo("fusion:rrf");
        engine.useReranker(reranker);
        SearchEngine.Response reranked = engine.search("cordless drill", "user-1", "s-1", 3);
        assertThat(reranked.rankedBy()).isEqualTo("search-ranker:3");
        assertThat(reranked.results()).hasSize(3);
        assertThat(reranked.results().get(0).itemId()).isEqualTo("drill");

        java.util.List<String> otherOrder = new java.util.ArrayList<>(RankingFeatures.NAMES);
        java.util.Collections.swap(otherOrder, 0, 1);
        byte[] misnamed = dev.flywheel.trainer.ranking.PairwiseRankerTrainer.train(otherOrder, lists,
                dev.flywheel.trainer.ranking.PairwiseRankerTrainer.Options.defaults()).toOnnx("search-ranker", 4);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> new OnnxReranker("4", misnamed, retriever, new ClickStatistics()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("this service computes");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> new OnnxReranker("5", new byte[] {1, 2, 3}, retriever, new ClickStatistics()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
