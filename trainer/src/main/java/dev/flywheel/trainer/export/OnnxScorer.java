package dev.flywheel.trainer.export;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;

/**
 * Runs an exported model in ONNX Runtime the way serving does (float input, batches), to check the
 * export against Tribuo and to compute the reference score distribution from the served scores.
 */
public final class OnnxScorer implements AutoCloseable {
    private static final int BATCH_ROWS = 4096;

    private final OrtEnvironment environment = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final int width;
    private final String inputTensor;
    private final String outputTensor;

    /** A model this trainer exported: input {@value OnnxExport#INPUT_TENSOR}, output {@value OnnxExport#OUTPUT_TENSOR}. */
    public OnnxScorer(byte[] onnxModel, int width) throws OrtException {
        this(onnxModel, width, OnnxExport.INPUT_TENSOR, OnnxExport.OUTPUT_TENSOR);
    }

    /** Any registered model, by the tensor names its descriptor gives (the champion a new version is compared with). */
    public OnnxScorer(byte[] onnxModel, int width, String inputTensor, String outputTensor) throws OrtException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            this.session = environment.createSession(onnxModel, options);
        }
        this.width = width;
        this.inputTensor = inputTensor;
        this.outputTensor = outputTensor;
    }

    public List<String> inputNames() {
        return List.copyOf(session.getInputNames());
    }

    public List<String> outputNames() {
        return List.copyOf(session.getOutputNames());
    }

    public Map<String, String> metadata() throws OrtException {
        return session.getMetadata().getCustomMetadata();
    }

    /** Every output column for every row: {@code [rows][columns]}. */
    public float[][] probabilities(List<double[]> rows) throws OrtException {
        float[][] result = new float[rows.size()][];
        for (int start = 0; start < rows.size(); start += BATCH_ROWS) {
            int count = Math.min(BATCH_ROWS, rows.size() - start);
            FloatBuffer input = FloatBuffer.allocate(count * width);
            for (int r = 0; r < count; r++) {
                double[] row = rows.get(start + r);
                if (row.length != width) {
                    throw new IllegalArgumentException("row " + (start + r) + " has " + row.length + " features, expected " + width);
                }
                for (double value : row) {
                    input.put((float) value);
                }
            }
            input.flip();
            try (OnnxTensor tensor = OnnxTensor.createTensor(environment, input, new long[] {count, width});
                 OrtSession.Result output = session.run(Map.of(inputTensor, tensor))) {
                float[][] batch = (float[][]) output.get(outputTensor).orElseThrow().getValue();
                System.arraycopy(batch, 0, result, start, count);
            }
        }
        return result;
    }

    /** One output column for every row. */
    public double[] column(List<double[]> rows, int column) throws OrtException {
        float[][] probabilities = probabilities(rows);
        double[] scores = new double[probabilities.length];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = probabilities[i][column];
        }
        return scores;
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
