package dev.flywheel.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.events.EventHeader;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.search.CatalogIndex.Listing;
import dev.flywheel.search.HybridRetriever.Fusion;
import dev.flywheel.search.HybridRetriever.Retrieval;
import dev.flywheel.search.HybridRetriever.Scored;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One search, end to end: embed, retrieve, fuse, re-rank with the current ranker if one is loaded,
 * and log the list that was served. The ranker is swapped atomically while searches run; a search
 * uses the one it started with.
 */
public final class SearchEngine {
    /** Ranks past this are never served: a result page, not an export. */
    public static final int MAX_K = 100;
    /** The extra field of the search event that names what ordered the list. */
    public static final String RANKED_BY_FIELD = "ranked_by";

    public record Result(int position, String itemId, String title, String brand, String category, double price,
                         double score) {
    }

    public record Response(String requestId, String query, String userId, String rankedBy, List<Result> results,
                           long embedNanos, long retrieveNanos, long rerankNanos) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HybridRetriever retriever;
    private final Fusion fusion;
    private final SearchLog log;
    private final Clock clock;
    private final AtomicReference<Reranker> reranker = new AtomicReference<>();

    public SearchEngine(HybridRetriever retriever, Fusion fusion, SearchLog log, Clock clock) {
        this.retriever = retriever;
        this.fusion = fusion;
        this.log = log;
        this.clock = clock;
    }

    public void useReranker(Reranker next) {
        reranker.set(next);
    }

    public Reranker reranker() {
        return reranker.get();
    }

    /**
     * @param query     non-blank, at most {@link dev.flywheel.events.EventCodec#MAX_QUERY_LENGTH} characters
     * @param userId    the shopper, or an anonymous id; shoppers the ranker does not know get its defaults
     * @param sessionId the shopper's session, written into the logged event
     */
    public Response search(String query, String userId, String sessionId, int k) {
        if (k < 1 || k > MAX_K) {
            throw new IllegalArgumentException("k must be between 1 and " + MAX_K + ", got " + k);
        }
        Retrieval retrieval = retriever.retrieve(query);
        Reranker current = reranker.get();
        long rerankStart = System.nanoTime();
        List<Scored> ranked = current == null
                ? retriever.rank(retrieval, fusion, k)
                : current.rerank(retrieval, userId, k);
        long rerankNanos = current == null ? 0 : System.nanoTime() - rerankStart;
        String rankedBy = current == null ? "fusion:" + fusion.name().toLowerCase() : "search-ranker:" + current.version();

        List<Result> results = new ArrayList<>(ranked.size());
        for (Scored scored : ranked) {
            Listing listing = retriever.index().listing(scored.candidate().ord());
            results.add(new Result(results.size(), listing.itemId(), listing.title(), listing.brand(),
                    listing.category(), listing.price(), scored.score()));
        }
        String requestId = "srch-" + UUID.randomUUID();
        ObjectNode extras = JSON.createObjectNode().put(RANKED_BY_FIELD, rankedBy);
        log.log(new ShopperEvent.Search(
                new EventHeader("evt-" + requestId, clock.millis(), userId, sessionId, extras.toString()),
                query, results.stream().map(Result::itemId).toList(), requestId));
        return new Response(requestId, query, userId, rankedBy, List.copyOf(results), retrieval.embedNanos(),
                retrieval.retrieveNanos(), rerankNanos);
    }
}
