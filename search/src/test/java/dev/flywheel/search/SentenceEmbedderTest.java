package dev.flywheel.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.onnxruntime.OrtEnvironment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SentenceEmbedderTest {
    private static final String SENTENCE = "I love sentence transformers.";
    private static SentenceEmbedder embedder;

    @BeforeAll
    static void load() {
        embedder = new SentenceEmbedder();
    }

    @AfterAll
    static void close() {
        embedder.close();
    }

    private static void assertReference(float[] v) {
        // The published sentence-transformers output for this sentence.
        assertThat(v).hasSize(384);
        assertThat((double) v[0]).isCloseTo(-0.08032, within(1e-4));
        assertThat((double) v[1]).isCloseTo(-0.01713, within(1e-4));
        assertThat((double) v[382]).isCloseTo(0.04788, within(1e-4));
        assertThat((double) v[383]).isCloseTo(-0.05619, within(1e-4));
    }

    @Test
    void ourOwnSessionReproducesTheReferenceVector() {
        assertReference(embedder.embed(SENTENCE));
    }

    @Test
    void theirEmbeddingClassReproducesItOnTheProjectsOnnxRuntime() {
        // Their class runs on whatever ai.onnxruntime is on the class path: the project's version.
        assertThat(OrtEnvironment.class.getPackage().getImplementationVersion()).isIn("1.23.2", null);
        float[] v = new AllMiniLmL6V2EmbeddingModel().embed(SENTENCE).content().vector();
        assertReference(v);
    }

    @Test
    void aBatchGivesWhatSingleCallsGiveDespitePadding() {
        List<String> texts = List.of(SENTENCE, "wireless headphones", "a much longer sentence about a navy blue sofa");
        float[][] batch = embedder.embedAll(texts);
        for (int i = 0; i < texts.size(); i++) {
            float[] single = embedder.embed(texts.get(i));
            for (int d = 0; d < single.length; d++) {
                assertThat(batch[i][d]).isCloseTo(single[d], within(1e-4f));
            }
        }
    }

    @Test
    void synonymsAreCloserThanUnrelatedWords() {
        float[] sofa = embedder.embed("sofa");
        float[] couch = embedder.embed("couch");
        float[] drill = embedder.embed("power drill");
        assertThat(dot(sofa, couch)).isGreaterThan(dot(sofa, drill) + 0.2f);
    }

    static float dot(float[] a, float[] b) {
        float s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
