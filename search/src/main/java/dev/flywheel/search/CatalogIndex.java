package dev.flywheel.search;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.LogByteSizeMergePolicy;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.DisjunctionMaxQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;

/**
 * The catalogue in Lucene: BM25 over title, brand, category and attributes, and an HNSW graph over
 * the items' sentence embeddings, computed once at index time and kept beside the index so any
 * candidate's exact similarity to a query costs one dot product.
 *
 * <p>Query text is never parsed as Lucene syntax: it is analysed into terms and each term becomes a
 * plain term query, so {@code title:x OR *} searches for the words "title", "x" and "or", and no input
 * can build a wildcard, range or field query.
 */
public final class CatalogIndex implements AutoCloseable {
    /** One listing as the index sees it; {@code ord} is its position in {@link #listings()}. */
    public record Listing(String itemId, String title, String brand, String category, String attributes,
                          double price) {
        public String text() {
            return title + ". " + category + ". " + attributes;
        }
    }

    /** A candidate from one retriever: its listing position and that retriever's score. */
    public record Hit(int ord, float score) {
    }

    static final String TITLE = "title";
    static final String BRAND = "brand";
    static final String CATEGORY = "category";
    static final String ATTRIBUTES = "attributes";
    static final String VECTOR = "vector";
    static final String ORD = "ord";
    /** Query terms past this many are ignored: no query needs more, and each term costs four clauses. */
    static final int MAX_QUERY_TERMS = 32;

    private static final String[] FIELDS = {TITLE, BRAND, CATEGORY, ATTRIBUTES};
    private static final float[] BOOSTS = {2.0f, 1.5f, 1.0f, 1.0f};

    private final List<Listing> listings;
    private final float[][] embeddings;
    private final Directory directory;
    private final DirectoryReader reader;
    private final IndexSearcher searcher;
    private final int[] docToOrd;
    private final Analyzer analyzer = new EnglishAnalyzer();
    /** Each listing's analysed words (title, brand, category, attributes), for query-item features. */
    private final String[][] listingTerms;

    private CatalogIndex(List<Listing> listings, float[][] embeddings, Directory directory) throws IOException {
        this.listings = listings;
        this.embeddings = embeddings;
        this.directory = directory;
        this.reader = DirectoryReader.open(directory);
        this.searcher = new IndexSearcher(reader);
        this.listingTerms = new String[listings.size()][];
        for (int ord = 0; ord < listings.size(); ord++) {
            Listing listing = listings.get(ord);
            listingTerms[ord] = terms(listing.title() + " " + listing.brand() + " " + listing.category() + " "
                    + listing.attributes(), Integer.MAX_VALUE).toArray(String[]::new);
        }
        this.docToOrd = new int[reader.maxDoc()];
        for (LeafReaderContext leaf : reader.leaves()) {
            NumericDocValues ords = leaf.reader().getNumericDocValues(ORD);
            for (int doc = ords.nextDoc(); doc != NumericDocValues.NO_MORE_DOCS; doc = ords.nextDoc()) {
                docToOrd[leaf.docBase + doc] = (int) ords.longValue();
            }
        }
    }

    /** Indexes the listings with their embeddings (one per listing, unit length, same order). */
    public static CatalogIndex build(List<Listing> listings, float[][] embeddings) {
        if (listings.size() != embeddings.length) {
            throw new IllegalArgumentException(listings.size() + " listings but " + embeddings.length + " embeddings");
        }
        Directory directory = new ByteBuffersDirectory();
        IndexWriterConfig config = new IndexWriterConfig(new EnglishAnalyzer());
        config.setMergePolicy(new LogByteSizeMergePolicy());
        config.setRAMBufferSizeMB(256);
        try (IndexWriter writer = new IndexWriter(directory, config)) {
            for (int ord = 0; ord < listings.size(); ord++) {
                Listing listing = listings.get(ord);
                Document doc = new Document();
                doc.add(new TextField(TITLE, listing.title(), Field.Store.NO));
                doc.add(new TextField(BRAND, listing.brand(), Field.Store.NO));
                doc.add(new TextField(CATEGORY, listing.category(), Field.Store.NO));
                doc.add(new TextField(ATTRIBUTES, listing.attributes(), Field.Store.NO));
                doc.add(new KnnFloatVectorField(VECTOR, embeddings[ord], VectorSimilarityFunction.DOT_PRODUCT));
                doc.add(new NumericDocValuesField(ORD, ord));
                writer.addDocument(doc);
            }
            writer.forceMerge(1);
            writer.commit();
            return new CatalogIndex(List.copyOf(listings), embeddings, directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public List<Listing> listings() {
        return listings;
    }

    public Listing listing(int ord) {
        return listings.get(ord);
    }

    public int size() {
        return listings.size();
    }

    /** The analysed terms of the query text, deduplicated, at most {@link #MAX_QUERY_TERMS}. */
    public List<String> terms(String text) {
        return terms(text, MAX_QUERY_TERMS);
    }

    /** The analysed words of a listing, deduplicated. */
    public String[] listingTerms(int ord) {
        return listingTerms[ord];
    }

    private List<String> terms(String text, int limit) {
        Set<String> terms = new LinkedHashSet<>();
        try (TokenStream stream = analyzer.tokenStream(TITLE, text)) {
            CharTermAttribute term = stream.addAttribute(CharTermAttribute.class);
            stream.reset();
            while (stream.incrementToken() && terms.size() < limit) {
                terms.add(term.toString());
            }
            stream.end();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return List.copyOf(terms);
    }

    /** BM25 candidates, best first; none for a query without any indexable word. */
    public List<Hit> keyword(String text, int n) {
        List<String> terms = terms(text);
        if (terms.isEmpty()) {
            return List.of();
        }
        BooleanQuery.Builder query = new BooleanQuery.Builder();
        for (String term : terms) {
            List<Query> perField = new ArrayList<>(FIELDS.length);
            for (int f = 0; f < FIELDS.length; f++) {
                perField.add(new BoostQuery(new TermQuery(new Term(FIELDS[f], term)), BOOSTS[f]));
            }
            // The best field per word, a little credit for more: "blue" in title and attributes is not two words.
            query.add(new DisjunctionMaxQuery(perField, 0.1f), BooleanClause.Occur.SHOULD);
        }
        return run(query.build(), n);
    }

    /** Nearest listings by embedding (approximate, HNSW), best first; score is the dot product. */
    public List<Hit> vector(float[] queryVector, int n) {
        List<Hit> hits = run(new KnnFloatVectorQuery(VECTOR, queryVector, n), n);
        List<Hit> exact = new ArrayList<>(hits.size());
        for (Hit hit : hits) {
            exact.add(new Hit(hit.ord(), similarity(hit.ord(), queryVector)));
        }
        return exact;
    }

    /** Cosine similarity of the listing's cached embedding and a unit-length query vector. */
    public float similarity(int ord, float[] queryVector) {
        float[] item = embeddings[ord];
        float dot = 0;
        for (int d = 0; d < item.length; d++) {
            dot += item[d] * queryVector[d];
        }
        return dot;
    }

    private List<Hit> run(Query query, int n) {
        try {
            TopDocs top = searcher.search(query, n);
            List<Hit> hits = new ArrayList<>(top.scoreDocs.length);
            for (ScoreDoc doc : top.scoreDocs) {
                hits.add(new Hit(docToOrd[doc.doc], doc.score));
            }
            return hits;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            reader.close();
            directory.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
