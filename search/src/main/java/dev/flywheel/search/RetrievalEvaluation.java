package dev.flywheel.search;

import dev.flywheel.search.HybridRetriever.Fusion;
import dev.flywheel.search.HybridRetriever.Retrieval;
import dev.flywheel.search.HybridRetriever.Scored;
import dev.flywheel.simulator.SearchWorld;
import dev.flywheel.simulator.SearchWorld.SearchQuery;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * NDCG@10 of each retrieval method against the simulator's exact relevance, on held-out queries.
 * The linear fusion's weight is tuned on a separate set of training queries, never on the held-out
 * ones.
 */
public final class RetrievalEvaluation {
    public static final int K = 10;

    /** A query with what retrieval found for it, so methods and weights can be compared without re-running it. */
    public record Judged(SearchQuery query, Retrieval retrieval) {
    }

    private final SearchWorld world;
    private final HybridRetriever retriever;

    public RetrievalEvaluation(SearchWorld world, HybridRetriever retriever) {
        this.world = world;
        this.retriever = retriever;
    }

    public List<Judged> trainingQueries(int count) {
        return judge(count, world::query);
    }

    public List<Judged> heldOutQueries(int count) {
        return judge(count, world::heldOutQuery);
    }

    private List<Judged> judge(int count, Function<Long, SearchQuery> draw) {
        List<Judged> judged = new ArrayList<>(count);
        for (long i = 0; i < count; i++) {
            SearchQuery query = draw.apply(i);
            judged.add(new Judged(query, retriever.retrieve(query.text())));
        }
        return judged;
    }

    /** Mean NDCG@10 of a ranking function over the queries. */
    public double ndcg(List<Judged> queries, Function<Judged, List<Scored>> ranking) {
        double sum = 0;
        for (Judged judged : queries) {
            List<String> ids = ranking.apply(judged).stream()
                    .map(s -> retriever.index().listing(s.candidate().ord()).itemId()).toList();
            sum += world.ndcg(judged.query(), ids, K);
        }
        return sum / queries.size();
    }

    public double ndcg(List<Judged> queries, HybridRetriever fusion, Fusion method) {
        return ndcg(queries, j -> fusion.rank(j.retrieval(), method, K));
    }

    /** The linear fusion weight with the best NDCG@10 on the given (training) queries, on a 0.05 grid. */
    public double tuneLinearWeight(List<Judged> training) {
        double bestWeight = 0;
        double best = -1;
        for (int step = 0; step <= 20; step++) {
            double weight = step / 20.0;
            double ndcg = ndcg(training, retriever.withLinearWeight(weight), Fusion.LINEAR);
            if (ndcg > best + 1e-12) {
                best = ndcg;
                bestWeight = weight;
            }
        }
        return bestWeight;
    }

    /** NDCG@10 per retrieval method on the held-out queries, in table order. */
    public Map<String, Double> table(List<Judged> heldOut, double linearWeight) {
        Map<String, Double> table = new LinkedHashMap<>();
        table.put("BM25", ndcg(heldOut, retriever, Fusion.BM25));
        table.put("vector (MiniLM, HNSW)", ndcg(heldOut, retriever, Fusion.VECTOR));
        table.put("RRF (k = " + HybridRetriever.DEFAULT_RRF_K + ")", ndcg(heldOut, retriever, Fusion.RRF));
        table.put(String.format("linear (%.2f BM25 + %.2f cosine)", linearWeight, 1 - linearWeight),
                ndcg(heldOut, retriever.withLinearWeight(linearWeight), Fusion.LINEAR));
        return table;
    }

    public static String format(Map<String, Double> table) {
        StringBuilder out = new StringBuilder();
        out.append(String.format("| %-40s | %-8s |%n", "method", "NDCG@10"));
        out.append(String.format("|%s|%s|%n", "-".repeat(42), "-".repeat(10)));
        table.forEach((method, ndcg) -> out.append(String.format("| %-40s | %8.4f |%n", method, ndcg)));
        return out.toString();
    }
}
