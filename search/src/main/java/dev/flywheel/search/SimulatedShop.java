package dev.flywheel.search;

import dev.flywheel.search.CatalogIndex.Listing;
import dev.flywheel.simulator.SearchWorld;
import dev.flywheel.simulator.SearchWorld.CatalogItem;
import dev.flywheel.simulator.SimulatorConfig;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The simulator's catalogue, indexed: listings from {@link SearchWorld}, their embeddings computed
 * once (and, given a cache folder, kept on disk, since 50,000 items take minutes to embed on two
 * cores), and a {@link CatalogIndex} over both.
 */
public final class SimulatedShop {
    private static final int EMBEDDING_BATCH = 32;

    private SimulatedShop() {
    }

    public static SearchWorld world(long seed, int items) {
        return new SearchWorld(SimulatorConfig.defaults(seed).withItems(items));
    }

    public static List<Listing> listings(SearchWorld world) {
        List<Listing> listings = new ArrayList<>(world.itemCount());
        for (int i = 0; i < world.itemCount(); i++) {
            CatalogItem item = world.item(i);
            listings.add(new Listing(item.itemId(), item.title(), item.brand(), item.category(), item.attributes(),
                    item.price()));
        }
        return listings;
    }

    public static float[][] embed(SentenceEmbedder embedder, List<Listing> listings) {
        float[][] vectors = new float[listings.size()][];
        for (int from = 0; from < listings.size(); from += EMBEDDING_BATCH) {
            int to = Math.min(listings.size(), from + EMBEDDING_BATCH);
            float[][] batch = embedder.embedAll(listings.subList(from, to).stream().map(Listing::text).toList());
            System.arraycopy(batch, 0, vectors, from, batch.length);
        }
        return vectors;
    }

    /**
     * Embeddings of the listings, read from {@code cacheDir} if an earlier run wrote them for exactly
     * these texts, else computed and written there.
     */
    public static float[][] embed(SentenceEmbedder embedder, List<Listing> listings, Path cacheDir) {
        if (cacheDir == null) {
            return embed(embedder, listings);
        }
        int fingerprint = listings.stream().map(Listing::text).toList().hashCode();
        Path file = cacheDir.resolve("embeddings-" + listings.size() + "-" + Integer.toHexString(fingerprint) + ".bin");
        try {
            if (Files.isReadable(file)) {
                try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
                    float[][] vectors = new float[in.readInt()][in.readInt()];
                    for (float[] vector : vectors) {
                        for (int d = 0; d < vector.length; d++) {
                            vector[d] = in.readFloat();
                        }
                    }
                    return vectors;
                }
            }
            float[][] vectors = embed(embedder, listings);
            Files.createDirectories(cacheDir);
            Path partial = Files.createTempFile(cacheDir, "embeddings", ".part");
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(partial)))) {
                out.writeInt(vectors.length);
                out.writeInt(SentenceEmbedder.DIMENSIONS);
                for (float[] vector : vectors) {
                    for (float v : vector) {
                        out.writeFloat(v);
                    }
                }
            }
            Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return vectors;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static CatalogIndex index(SearchWorld world, SentenceEmbedder embedder, Path cacheDir) {
        List<Listing> listings = listings(world);
        return CatalogIndex.build(listings, embed(embedder, listings, cacheDir));
    }
}
