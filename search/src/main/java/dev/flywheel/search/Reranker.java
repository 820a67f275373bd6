package dev.flywheel.search;

import dev.flywheel.search.HybridRetriever.Retrieval;
import dev.flywheel.search.HybridRetriever.Scored;
import java.util.List;

/** Orders retrieved candidates for one shopper; the version goes into the logged search event. */
public interface Reranker {
    String version();

    List<Scored> rerank(Retrieval retrieval, String userId, int k);
}
