package dev.flywheel.jobs.serving;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.flywheel.features.FeatureSpec;
import dev.flywheel.models.ServingVariant;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * One model version ready to score feature vectors: an ONNX Runtime session checked against its
 * serving config and warmed up, with its input and output tensors allocated once.
 *
 * <p>Per call nothing is allocated but ONNX Runtime's small result holder: the input tensor wraps a
 * direct buffer the vector is written into, and the output is <em>pinned</em> to a direct buffer
 * ONNX Runtime writes into, so neither is created per event. The session runs on the calling
 * thread (one intra-op thread): in a Flink task, scoring is part of the operator's own work and
 * must not compete with other slots for cores.
 *
 * <p>Not thread-safe: one instance belongs to one subtask. Load it on any thread, use it on one.
 */
public final class LoadedModel implements AutoCloseable {
    /** Largest batch {@link #scoreBatch} takes; tensors for each size are made on first use. */
    public static final int MAX_BATCH = 256;

    private final String model;
    private final int version;
    private final String sha256;
    private final OrtSession session;
    private final String inputName;
    private final String outputName;
    /** Input column j is spec feature specIndex[j]. */
    private final int[] specIndex;
    private final int columns;
    private final int scoreColumn;
    private final FloatBuffer input;
    private final FloatBuffer output;
    /** Where a batch's rows are gathered before one copy into {@link #input}. */
    private final float[] batchRows;
    private final Batch[] batches = new Batch[MAX_BATCH + 1];

    private LoadedModel(String model, ServingVariant variant, OrtSession session, int[] specIndex, int columns) {
        this.model = model;
        this.version = variant.version();
        this.sha256 = variant.sha256();
        this.session = session;
        this.inputName = variant.inputTensor();
        this.outputName = variant.output().tensor();
        this.specIndex = specIndex;
        this.columns = columns;
        this.scoreColumn = variant.output().scoreIndex();
        this.input = directFloats(MAX_BATCH * specIndex.length);
        this.output = directFloats(MAX_BATCH * columns);
        this.batchRows = new float[MAX_BATCH * specIndex.length];
    }

    /**
     * Checks the artifact against the serving config and the feature spec, opens a session and
     * scores the reference rows (and a cold-start row of spec defaults).
     *
     * @throws ModelRefusedException if any step fails; nothing is left open then
     */
    public static LoadedModel load(String model, ServingVariant variant, ModelArtifact artifact)
            throws ModelRefusedException {
        String actual = sha256(artifact.onnx());
        if (!actual.equals(variant.sha256())) {
            throw new ModelRefusedException(RefusalReason.SHA256_MISMATCH, model + " v" + variant.version()
                    + ": artifact has sha256 " + actual + ", serving config says " + variant.sha256());
        }
        FeatureSpec spec = FeatureSpec.current();
        int[] specIndex = new int[variant.inputs().size()];
        for (int j = 0; j < specIndex.length; j++) {
            specIndex[j] = spec.indexOf(variant.inputs().get(j));
            if (specIndex[j] < 0) {
                throw new ModelRefusedException(RefusalReason.UNKNOWN_FEATURE, model + " v" + variant.version()
                        + ": input '" + variant.inputs().get(j) + "' is not in feature spec " + spec.version());
            }
        }
        OrtSession session;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            session = OrtEnvironment.getEnvironment().createSession(artifact.onnx(), options);
        } catch (OrtException e) {
            throw new ModelRefusedException(RefusalReason.INVALID_ONNX,
                    model + " v" + variant.version() + ": ONNX Runtime cannot load it: " + e.getMessage(), e);
        }
        LoadedModel loaded = null;
        try {
            int columns = checkSignature(model, variant, session, specIndex.length);
            loaded = new LoadedModel(model, variant, session, specIndex, columns);
            loaded.warmUp(artifact.referenceRows());
            return loaded;
        } catch (ModelRefusedException | RuntimeException e) {
            if (loaded != null) {
                loaded.close();
            } else {
                closeQuietly(session);
            }
            throw e;
        }
    }

    public String model() {
        return model;
    }

    public int version() {
        return version;
    }

    public String sha256() {
        return sha256;
    }

    /** The score of one vector in feature-spec order. */
    public float score(double[] specVector) throws OrtException {
        for (int j = 0; j < specIndex.length; j++) {
            input.put(j, (float) specVector[specIndex[j]]);
        }
        run(1);
        return output.get(scoreColumn);
    }

    /** Scores {@code count} vectors in one ONNX Runtime call; {@code scores[i]} is vector i's. */
    public void scoreBatch(double[][] specVectors, int count, float[] scores) throws OrtException {
        if (count < 1 || count > MAX_BATCH) {
            throw new IllegalArgumentException("batch of " + count + ", expected 1.." + MAX_BATCH);
        }
        int width = specIndex.length;
        float[] rows = batchRows;
        for (int i = 0; i < count; i++) {
            double[] vector = specVectors[i];
            int row = i * width;
            for (int j = 0; j < width; j++) {
                rows[row + j] = (float) vector[specIndex[j]];
            }
        }
        // One bulk copy: a put per value into the direct buffer cost more than the session run at
        // batch 256 (ScorerBenchmark: 377 ns a row against a bare loop's 128).
        input.put(0, rows, 0, count * width);
        run(count);
        for (int i = 0; i < count; i++) {
            scores[i] = output.get(i * columns + scoreColumn);
        }
    }

    private void run(int rows) throws OrtException {
        Batch batch = batches[rows];
        if (batch == null) {
            batch = batches[rows] = new Batch(rows);
        }
        // The output is pinned, not owned by the result: closing the result leaves it in place.
        try (OrtSession.Result ignored = session.run(batch.inputs, batch.outputs)) {
            // scores are in `output`
        }
    }

    private void warmUp(List<double[]> referenceRows) throws ModelRefusedException {
        List<double[]> rows = new ArrayList<>();
        rows.add(FeatureSpec.current().defaults());
        double[] zeros = new double[FeatureSpec.current().size()];
        rows.add(zeros);
        for (double[] row : referenceRows) {
            if (row.length != specIndex.length) {
                throw new ModelRefusedException(RefusalReason.WARM_UP_FAILED, model + " v" + version
                        + ": a reference row has " + row.length + " values for " + specIndex.length + " inputs");
            }
            double[] specVector = FeatureSpec.current().defaults();
            for (int j = 0; j < row.length; j++) {
                specVector[specIndex[j]] = row[j];
            }
            rows.add(specVector);
        }
        for (double[] row : rows) {
            float score;
            try {
                score = score(row);
            } catch (OrtException | RuntimeException e) {
                throw new ModelRefusedException(RefusalReason.WARM_UP_FAILED,
                        model + " v" + version + ": scoring a reference row failed: " + e.getMessage(), e);
            }
            if (!(score >= 0 && score <= 1)) {
                throw new ModelRefusedException(RefusalReason.WARM_UP_FAILED,
                        model + " v" + version + ": a reference row scored " + score + ", not a probability");
            }
        }
    }

    private static int checkSignature(String model, ServingVariant variant, OrtSession session, int width)
            throws ModelRefusedException {
        String at = model + " v" + variant.version() + ": ";
        try {
            Map<String, NodeInfo> inputs = session.getInputInfo();
            if (inputs.size() != 1 || !inputs.containsKey(variant.inputTensor())) {
                throw new ModelRefusedException(RefusalReason.SIGNATURE_MISMATCH,
                        at + "inputs are " + inputs.keySet() + ", serving config says [" + variant.inputTensor() + "]");
            }
            checkTensor(at + "input", inputs.get(variant.inputTensor()), width);
            NodeInfo out = session.getOutputInfo().get(variant.output().tensor());
            if (out == null) {
                throw new ModelRefusedException(RefusalReason.SIGNATURE_MISMATCH, at + "no output '"
                        + variant.output().tensor() + "' among " + session.getOutputNames());
            }
            int columns = variant.output().columns().size();
            checkTensor(at + "output", out, columns);
            return columns;
        } catch (OrtException e) {
            throw new ModelRefusedException(RefusalReason.INVALID_ONNX, at + e.getMessage(), e);
        }
    }

    /** A float tensor of shape [batch, width] with a free (or 1) batch dimension. */
    private static void checkTensor(String what, NodeInfo node, int width) throws ModelRefusedException {
        if (!(node.getInfo() instanceof TensorInfo tensor) || tensor.type != OnnxJavaType.FLOAT) {
            throw new ModelRefusedException(RefusalReason.SIGNATURE_MISMATCH, what + " '" + node.getName()
                    + "' is not a float tensor: " + node.getInfo());
        }
        long[] shape = tensor.getShape();
        if (shape.length != 2 || shape[1] != width || shape[0] > 1 || shape[0] == 0) {
            throw new ModelRefusedException(RefusalReason.SIGNATURE_MISMATCH, what + " '" + node.getName()
                    + "' has shape " + java.util.Arrays.toString(shape) + ", expected [batch, " + width + "]");
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static FloatBuffer directFloats(int count) {
        return ByteBuffer.allocateDirect(count * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    @Override
    public void close() {
        for (Batch batch : batches) {
            if (batch != null) {
                batch.close();
            }
        }
        closeQuietly(session);
    }

    private static void closeQuietly(OrtSession session) {
        try {
            session.close();
        } catch (OrtException | RuntimeException ignored) {
            // closing a session can only fail if it is already closed
        }
    }

    @Override
    public String toString() {
        return model + " v" + version;
    }

    /** Tensors of one batch size, views of the shared direct buffers. */
    private final class Batch implements AutoCloseable {
        final OnnxTensor in;
        final OnnxTensor out;
        final Map<String, OnnxTensor> inputs;
        final Map<String, OnnxTensor> outputs;

        Batch(int rows) throws OrtException {
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            in = OnnxTensor.createTensor(env, input.duplicate().position(0).limit(rows * specIndex.length),
                    new long[] {rows, specIndex.length});
            out = OnnxTensor.createTensor(env, output.duplicate().position(0).limit(rows * columns),
                    new long[] {rows, columns});
            inputs = Map.of(inputName, in);
            outputs = Map.of(outputName, out);
        }

        @Override
        public void close() {
            in.close();
            out.close();
        }
    }
}
