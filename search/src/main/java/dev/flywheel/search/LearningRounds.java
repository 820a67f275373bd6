package dev.flywheel.search;

import dev.flywheel.search.HybridRetriever.Candidate;
import dev.flywheel.search.HybridRetriever.Fusion;
import dev.flywheel.search.HybridRetriever.Scored;
import dev.flywheel.search.RetrievalEvaluation.Judged;
import dev.flywheel.simulator.SearchWorld;
import dev.flywheel.simulator.SearchWorld.Interaction;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rounds of the search loop, offline and exact: simulated shoppers search, the service serves them
 * (hybrid fusion before any ranker exists, then the latest ranker), they click by the simulator's
 * click model, the clicks update the live statistics and become training lists, a new ranker is
 * trained and swapped in, and NDCG@10 on held-out queries is measured against the simulator's
 * relevance. Beside it runs a frozen ranker: the first one trained, which never again hears of a
 * click (neither its model nor its click statistics change).
 */
public final class LearningRounds {
    /** A served list as training data: the feature rows serving computed, clicks, look probabilities. */
    public record TrainingList(float[][] features, boolean[] clicked, double[] propensities) {
    }

    /** Trains a ranker on every list so far and returns it as ONNX. */
    @FunctionalInterface
    public interface RankerTrainer {
        byte[] train(List<String> featureNames, List<TrainingList> lists, long version);
    }

    /** NDCG@10 after each round, of the learning ranker and the frozen one. */
    public record RoundResult(int round, int listsSoFar, double clickRate, double learningNdcg, double frozenNdcg) {
    }

    private final SearchWorld world;
    private final HybridRetriever retriever;
    private final RetrievalEvaluation evaluation;
    private final RankerTrainer trainer;
    private final Fusion firstFusion;
    private final ClickStatistics stats = new ClickStatistics();
    private final List<TrainingList> lists = new ArrayList<>();
    private OnnxReranker learning;
    private OnnxReranker frozen;
    private long impressions;

    /**
     * @param firstFusion what serves before the first ranker exists: the hybrid retrieval the service
     *                    starts with
     */
    public LearningRounds(SearchWorld world, HybridRetriever retriever, Fusion firstFusion, RankerTrainer trainer) {
        this.world = world;
        this.retriever = retriever;
        this.evaluation = new RetrievalEvaluation(world, retriever);
        this.trainer = trainer;
        this.firstFusion = firstFusion;
    }

    /** Serves every query of {@code traffic} once, learns from the clicks, and measures {@code heldOut}. */
    public RoundResult round(int round, List<Judged> traffic, List<Judged> heldOut) {
        int clicks = 0;
        int shownTotal = 0;
        for (Judged judged : traffic) {
            String user = judged.query().userId();
            List<String> terms = retriever.index().terms(judged.query().text());
            List<Candidate> shown;
            float[][] rows;
            if (learning == null) {
                shown = retriever.rank(judged.retrieval(), firstFusion, RetrievalEvaluation.K).stream()
                        .map(Scored::candidate).toList();
                rows = new float[shown.size()][];
                for (int i = 0; i < rows.length; i++) {
                    rows[i] = RankingFeatures.of(retriever.index(), stats, terms, user, shown.get(i));
                }
            } else {
                OnnxReranker.Pool pool = learning.pool(judged.retrieval(), user);
                float[] scores = learning.score(pool.features());
                Integer[] order = new Integer[scores.length];
                for (int i = 0; i < order.length; i++) {
                    order[i] = i;
                }
                java.util.Arrays.sort(order, (a, b) -> scores[a] != scores[b]
                        ? Float.compare(scores[b], scores[a])
                        : Integer.compare(pool.candidates().get(a).ord(), pool.candidates().get(b).ord()));
                int n = Math.min(RetrievalEvaluation.K, order.length);
                shown = new ArrayList<>(n);
                rows = new float[n][];
                for (int i = 0; i < n; i++) {
                    shown.add(pool.candidates().get(order[i]));
                    rows[i] = pool.features()[order[i]];
                }
            }
            int[] ords = shown.stream().mapToInt(Candidate::ord).toArray();
            List<String> ids = shown.stream().map(c -> retriever.index().listing(c.ord()).itemId()).toList();
            List<Interaction> interactions = world.interact(judged.query(), ids, impressions++);
            boolean[] clicked = new boolean[ords.length];
            boolean[] purchased = new boolean[ords.length];
            double[] propensities = new double[ords.length];
            for (int r = 0; r < ords.length; r++) {
                clicked[r] = interactions.get(r).clicked();
                purchased[r] = interactions.get(r).purchased();
                propensities[r] = SearchWorld.examination(r);
                clicks += clicked[r] ? 1 : 0;
            }
            shownTotal += ords.length;
            lists.add(new TrainingList(rows, clicked, propensities));
            stats.record(retriever.index(), terms, user, ords, propensities, clicked, purchased);
        }
        byte[] onnx = trainer.train(RankingFeatures.NAMES, List.copyOf(lists), round);
        OnnxReranker next = new OnnxReranker(Integer.toString(round), onnx, retriever, stats);
        if (learning != null && learning != frozen) {
            learning.close();
        }
        learning = next;
        if (frozen == null) {
            frozen = new OnnxReranker(Integer.toString(round), onnx, retriever, stats.snapshot());
        }
        double learningNdcg = ndcg(heldOut, learning);
        double frozenNdcg = ndcg(heldOut, frozen);
        return new RoundResult(round, lists.size(), (double) clicks / Math.max(1, shownTotal), learningNdcg, frozenNdcg);
    }

    public double ndcg(List<Judged> heldOut, Reranker ranker) {
        return evaluation.ndcg(heldOut, j -> ranker.rerank(j.retrieval(), j.query().userId(), RetrievalEvaluation.K));
    }

    public OnnxReranker learning() {
        return learning;
    }

    /** Rows for the table: method name to NDCG@10. */
    public static Map<String, Double> rows(List<RoundResult> results) {
        Map<String, Double> rows = new LinkedHashMap<>();
        for (RoundResult r : results) {
            rows.put("learning ranker after round " + r.round(), r.learningNdcg());
        }
        for (RoundResult r : results) {
            rows.put("frozen ranker (round 1) at round " + r.round(), r.frozenNdcg());
        }
        return rows;
    }
}
