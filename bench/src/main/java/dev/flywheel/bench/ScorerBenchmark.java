package dev.flywheel.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.flywheel.jobs.serving.LoadedModel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The scorer on its own, per ONNX Runtime call: Flywheel's {@link LoadedModel} ({@code score} at
 * batch 1, {@code scoreBatch} above) against a bare ONNX Runtime loop on the same model file, the
 * reference for "ONNX cost per row within 2x of a bare loop". Run it with
 * {@code scripts/bench-scorer.sh}, which trains the model, runs JMH and prints ns per row;
 * {@link ScorerBenchmarkRunner} says what is measured.
 *
 * <p>The bare loop is what a careful user writes without Flywheel: one session with the same
 * single-threaded options, one input tensor over a direct buffer and one pinned output tensor per
 * batch size, made once; per call the rows (already floats, in the model's input order) are copied
 * into the buffer, the session runs, the scores are read. Flywheel's path also picks each input
 * out of the 36-value spec vector and narrows it from double to float: that is the difference the
 * ratio shows.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ScorerBenchmark {
    /** The system property that names the model directory ({@link BenchModel#read}). */
    public static final String MODEL_PROPERTY = "flywheel.bench.model";
    /** Distinct vectors cycled through, so a batch is not the same rows every call. */
    private static final int POOL = 4096;

    @Param({"1", "8", "32", "64", "256"})
    public int batch;

    private LoadedModel flywheel;
    private double[][][] specBatches;
    private float[] scores;
    private int next;

    private OrtSession session;
    private OnnxTensor input;
    private OnnxTensor output;
    private Map<String, OnnxTensor> inputs;
    private Map<String, OnnxTensor> outputs;
    private FloatBuffer inputBuffer;
    private FloatBuffer outputBuffer;
    private float[][] modelOrderBatches;
    private int outputColumns;
    private int scoreColumn;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        BenchModel model = BenchModel.read(Path.of(System.getProperty(MODEL_PROPERTY, "run/bench-model")));
        flywheel = LoadedModel.load(BenchModel.NAME, model.variant(), model.artifact());

        List<double[]> vectors = BenchModel.specVectors(7, POOL);
        int[] specIndex = model.specIndex();
        int width = specIndex.length;
        int batches = vectors.size() / batch;
        specBatches = new double[batches][batch][];
        modelOrderBatches = new float[batches][batch * width];
        for (int b = 0; b < batches; b++) {
            for (int i = 0; i < batch; i++) {
                double[] vector = vectors.get(b * batch + i);
                specBatches[b][i] = vector;
                for (int j = 0; j < width; j++) {
                    modelOrderBatches[b][i * width + j] = (float) vector[specIndex[j]];
                }
            }
        }
        scores = new float[batch];

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            session = env.createSession(model.onnx(), options);
        }
        outputColumns = model.descriptor().output().columns().size();
        scoreColumn = model.descriptor().output().scoreIndex();
        inputBuffer = ByteBuffer.allocateDirect(batch * width * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        outputBuffer = ByteBuffer.allocateDirect(batch * outputColumns * Float.BYTES).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        input = OnnxTensor.createTensor(env, inputBuffer, new long[] {batch, width});
        output = OnnxTensor.createTensor(env, outputBuffer, new long[] {batch, outputColumns});
        inputs = Map.of(model.descriptor().inputTensor(), input);
        outputs = Map.of(model.descriptor().output().tensor(), output);
    }

    @Benchmark
    public void flywheel(Blackhole blackhole) throws OrtException {
        double[][] rows = specBatches[nextBatch()];
        if (batch == 1) {
            blackhole.consume(flywheel.score(rows[0]));
        } else {
            flywheel.scoreBatch(rows, batch, scores);
            blackhole.consume(scores);
        }
    }

    @Benchmark
    public void bareOnnxRuntime(Blackhole blackhole) throws OrtException {
        inputBuffer.put(0, modelOrderBatches[nextBatch()]);
        try (OrtSession.Result ignored = session.run(inputs, outputs)) {
            for (int i = 0; i < batch; i++) {
                scores[i] = outputBuffer.get(i * outputColumns + scoreColumn);
            }
        }
        blackhole.consume(scores);
    }

    private int nextBatch() {
        int current = next;
        next = current + 1 == specBatches.length ? 0 : current + 1;
        return current;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws OrtException {
        flywheel.close();
        input.close();
        output.close();
        session.close();
    }
}
