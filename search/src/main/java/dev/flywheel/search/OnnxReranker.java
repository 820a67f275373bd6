package dev.flywheel.search;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.flywheel.search.HybridRetriever.Candidate;
import dev.flywheel.search.HybridRetriever.Fusion;
import dev.flywheel.search.HybridRetriever.Retrieval;
import dev.flywheel.search.HybridRetriever.Scored;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The ranker model in ONNX Runtime: the fused list's top candidates get their features
 * ({@link RankingFeatures}) and are re-ordered by the model's score. Refuses at load a model whose
 * declared inputs are not the features this service computes, so a swapped-in model can never read
 * columns in the wrong order.
 */
public final class OnnxReranker implements Reranker, AutoCloseable {
    /** Candidates the model sees: the fused list's top; deeper ones almost never reach the page. */
    public static final int POOL = 100;
    static final String INPUT = "features";
    static final String FEATURE_NAMES_METADATA = "feature_names";

    private final String version;
    private final HybridRetriever retriever;
    private final ClickStatistics stats;
    private final OrtEnvironment environment = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    public OnnxReranker(String version, byte[] onnx, HybridRetriever retriever, ClickStatistics stats) {
        this.version = version;
        this.retriever = retriever;
        this.stats = stats;
        try {
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.setIntraOpNumThreads(1);
            this.session = environment.createSession(onnx, options);
            String declared = session.getMetadata().getCustomMetadata().get(FEATURE_NAMES_METADATA);
            if (!String.join(",", RankingFeatures.NAMES).equals(declared)) {
                session.close();
                throw new IllegalArgumentException("the ranker reads features [" + declared
                        + "], this service computes [" + String.join(",", RankingFeatures.NAMES) + "]");
            }
        } catch (OrtException e) {
            throw new IllegalArgumentException("not a loadable ONNX ranker: " + e.getMessage(), e);
        }
    }

    @Override
    public String version() {
        return version;
    }

    /** The pool of candidates the model re-orders, each with the feature row it is scored on. */
    public record Pool(List<Candidate> candidates, float[][] features) {
    }

    public Pool pool(Retrieval retrieval, String userId) {
        List<Candidate> candidates = retriever.rank(retrieval, Fusion.LINEAR, POOL).stream().map(Scored::candidate).toList();
        List<String> terms = retriever.index().terms(retrieval.query());
        float[][] rows = new float[candidates.size()][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = RankingFeatures.of(retriever.index(), stats, terms, userId, candidates.get(i));
        }
        return new Pool(candidates, rows);
    }

    @Override
    public List<Scored> rerank(Retrieval retrieval, String userId, int k) {
        Pool pool = pool(retrieval, userId);
        if (pool.candidates().isEmpty()) {
            return List.of();
        }
        float[] scores = score(pool.features());
        List<Scored> scored = new ArrayList<>(scores.length);
        for (int i = 0; i < scores.length; i++) {
            scored.add(new Scored(pool.candidates().get(i), scores[i]));
        }
        scored.sort(Comparator.comparingDouble(Scored::score).reversed().thenComparingInt(s -> s.candidate().ord()));
        return scored.size() > k ? List.copyOf(scored.subList(0, k)) : List.copyOf(scored);
    }

    public float[] score(float[][] rows) {
        try (OnnxTensor input = OnnxTensor.createTensor(environment, rows);
             OrtSession.Result result = session.run(Map.of(INPUT, input))) {
            float[][] out = (float[][]) result.get(0).getValue();
            float[] scores = new float[out.length];
            for (int i = 0; i < out.length; i++) {
                scores[i] = out[i][0];
            }
            return scores;
        } catch (OrtException e) {
            throw new IllegalStateException("ranker failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }
}
