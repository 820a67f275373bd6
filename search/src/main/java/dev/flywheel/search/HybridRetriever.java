package dev.flywheel.search;

import dev.flywheel.search.CatalogIndex.Hit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Keyword and vector candidates for one query, merged into one candidate set that knows both
 * scores of every candidate, and the fusions that turn it into one list.
 *
 * <p>Reciprocal rank fusion (RRF) sums 1 / (k + rank) over the lists a candidate is in (rank from 1;
 * k = 60 by default, as in Cormack et al. 2009): it needs no score calibration, which is why it is
 * the default. The linear fusion adds the BM25 score, scaled by the query's best BM25 score, and the
 * cosine similarity with a weight tuned on training queries; it can beat RRF where scores carry more
 * than ranks, and has to be retuned when the catalogue's text changes.
 */
public final class HybridRetriever {
    public static final int DEFAULT_RRF_K = 60;
    /** Candidates taken from each retriever before fusion. */
    public static final int DEFAULT_DEPTH = 100;

    public enum Fusion { BM25, VECTOR, RRF, LINEAR }

    /**
     * A candidate with what both retrievers said about it.
     *
     * @param bm25       BM25 score, 0 when the keyword retriever did not return it
     * @param bm25Rank   rank in the keyword list from 1, 0 when absent
     * @param cosine     exact cosine similarity of query and item embeddings (always known)
     * @param vectorRank rank in the vector list from 1, 0 when absent
     * @param bm25Scaled BM25 divided by the query's best BM25 score, 0 to 1
     */
    public record Candidate(int ord, float bm25, int bm25Rank, float cosine, int vectorRank, float bm25Scaled) {
    }

    /** Everything retrieval found for one query, with how long embedding and retrieval took. */
    public record Retrieval(String query, float[] queryVector, List<Candidate> candidates, long embedNanos,
                            long retrieveNanos) {
    }

    /** A candidate with its fused score. */
    public record Scored(Candidate candidate, double score) {
    }

    private final CatalogIndex index;
    private final SentenceEmbedder embedder;
    private final int depth;
    private final int rrfK;
    private final double linearWeight;

    /**
     * @param linearWeight weight of the scaled BM25 score in the linear fusion; the cosine gets the rest
     */
    public HybridRetriever(CatalogIndex index, SentenceEmbedder embedder, int depth, int rrfK, double linearWeight) {
        if (depth < 1 || rrfK < 0 || !(linearWeight >= 0 && linearWeight <= 1)) {
            throw new IllegalArgumentException("depth >= 1, rrfK >= 0 and 0 <= linearWeight <= 1, got "
                    + depth + ", " + rrfK + ", " + linearWeight);
        }
        this.index = index;
        this.embedder = embedder;
        this.depth = depth;
        this.rrfK = rrfK;
        this.linearWeight = linearWeight;
    }

    public HybridRetriever withLinearWeight(double weight) {
        return new HybridRetriever(index, embedder, depth, rrfK, weight);
    }

    public CatalogIndex index() {
        return index;
    }

    public double linearWeight() {
        return linearWeight;
    }

    public Retrieval retrieve(String query) {
        long start = System.nanoTime();
        float[] vector = embedder.embed(query);
        long embedded = System.nanoTime();
        List<Hit> keyword = index.keyword(query, depth);
        List<Hit> nearest = index.vector(vector, depth);
        Map<Integer, float[]> merged = new LinkedHashMap<>();
        float best = keyword.isEmpty() ? 1 : keyword.get(0).score();
        for (int r = 0; r < keyword.size(); r++) {
            Hit hit = keyword.get(r);
            merged.put(hit.ord(), new float[] {hit.score(), r + 1, 0});
        }
        for (int r = 0; r < nearest.size(); r++) {
            merged.computeIfAbsent(nearest.get(r).ord(), ord -> new float[] {0, 0, 0})[2] = r + 1;
        }
        List<Candidate> candidates = new ArrayList<>(merged.size());
        for (Map.Entry<Integer, float[]> entry : merged.entrySet()) {
            int ord = entry.getKey();
            float[] v = entry.getValue();
            candidates.add(new Candidate(ord, v[0], (int) v[1], index.similarity(ord, vector), (int) v[2],
                    v[0] / best));
        }
        long retrieved = System.nanoTime();
        return new Retrieval(query, vector, List.copyOf(candidates), embedded - start, retrieved - embedded);
    }

    /** The candidates ordered by one fusion (or one retriever alone), best first, at most {@code k}. */
    public List<Scored> rank(Retrieval retrieval, Fusion fusion, int k) {
        ToDoubleFunction<Candidate> score = switch (fusion) {
            case BM25 -> c -> c.bm25Rank() == 0 ? Double.NEGATIVE_INFINITY : c.bm25();
            case VECTOR -> c -> c.vectorRank() == 0 ? Double.NEGATIVE_INFINITY : c.cosine();
            case RRF -> this::rrf;
            case LINEAR -> this::linear;
        };
        return top(retrieval.candidates(), score, k);
    }

    double rrf(Candidate c) {
        double score = 0;
        if (c.bm25Rank() > 0) {
            score += 1.0 / (rrfK + c.bm25Rank());
        }
        if (c.vectorRank() > 0) {
            score += 1.0 / (rrfK + c.vectorRank());
        }
        return score;
    }

    double linear(Candidate c) {
        return linearWeight * c.bm25Scaled() + (1 - linearWeight) * c.cosine();
    }

    static List<Scored> top(List<Candidate> candidates, ToDoubleFunction<Candidate> score, int k) {
        List<Scored> scored = new ArrayList<>(candidates.size());
        for (Candidate c : candidates) {
            double s = score.applyAsDouble(c);
            if (s != Double.NEGATIVE_INFINITY) {
                scored.add(new Scored(c, s));
            }
        }
        // Ties go to the lower listing position, so equal scores give one order on every run.
        scored.sort(Comparator.comparingDouble(Scored::score).reversed()
                .thenComparingInt(s -> s.candidate().ord()));
        return scored.size() > k ? List.copyOf(scored.subList(0, k)) : List.copyOf(scored);
    }
}
