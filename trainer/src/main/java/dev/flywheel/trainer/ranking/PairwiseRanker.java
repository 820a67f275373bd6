package dev.flywheel.trainer.ranking;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.models.OutputSpec;
import dev.flywheel.models.ReferenceDistributions;
import dev.flywheel.registry.api.Sha256;
import java.util.List;
import java.util.Map;

/**
 * A scoring function for ranking, learned from pairs: standardise the features, one hidden layer of
 * ReLU units, one linear output; a higher score ranks higher. Parameters are floats, as the ONNX
 * graph holds them, so {@link #score} is what ONNX Runtime computes up to float rounding order.
 */
public final class PairwiseRanker {
    public static final String INPUT_TENSOR = "features";
    public static final String OUTPUT_TENSOR = "scores";
    /**
     * A second output, the sigmoid of the score: the same order, in (0, 1), so the model registry's
     * warm-up check (outputs must be probabilities) accepts the ranker. Consumers that rank read
     * {@link #OUTPUT_TENSOR}, the first output; this one is what the registry descriptor names.
     */
    public static final String RELEVANCE_TENSOR = "relevance";
    public static final String FEATURE_NAMES_METADATA = "feature_names";
    static final int ONNX_OPSET = 13;
    static final int IR_VERSION = 8;

    private final List<String> featureNames;
    private final float[] mean;
    private final float[] scale;
    /** hidden x width, row-major. */
    private final float[][] w1;
    private final float[] b1;
    private final float[] w2;
    private final float b2;

    PairwiseRanker(List<String> featureNames, float[] mean, float[] scale, float[][] w1, float[] b1, float[] w2,
                   float b2) {
        this.featureNames = List.copyOf(featureNames);
        this.mean = mean;
        this.scale = scale;
        this.w1 = w1;
        this.b1 = b1;
        this.w2 = w2;
        this.b2 = b2;
    }

    public List<String> featureNames() {
        return featureNames;
    }

    public float score(float[] row) {
        float out = b2;
        for (int h = 0; h < w1.length; h++) {
            float a = b1[h];
            for (int f = 0; f < row.length; f++) {
                a += w1[h][f] * ((row[f] - mean[f]) * scale[f]);
            }
            out += w2[h] * Math.max(0f, a);
        }
        return out;
    }

    /** The ranker as one ONNX graph: features [N, width] float in, scores [N, 1] float out. */
    public byte[] toOnnx(String graphName, long modelVersion) {
        int width = mean.length;
        int hidden = w1.length;
        float[] w1Columns = new float[width * hidden];
        for (int f = 0; f < width; f++) {
            for (int h = 0; h < hidden; h++) {
                w1Columns[f * hidden + h] = w1[h][f];
            }
        }
        OnnxMl.GraphProto graph = OnnxMl.GraphProto.newBuilder()
                .setName(graphName)
                .addInput(floatMatrix(INPUT_TENSOR, width))
                .addOutput(floatMatrix(OUTPUT_TENSOR, 1))
                .addOutput(floatMatrix(RELEVANCE_TENSOR, 1))
                .addInitializer(tensor("mean", mean, 1, width))
                .addInitializer(tensor("scale", scale, 1, width))
                .addInitializer(tensor("w1", w1Columns, width, hidden))
                .addInitializer(tensor("b1", b1, hidden))
                .addInitializer(tensor("w2", w2, hidden, 1))
                .addInitializer(tensor("b2", new float[] {b2}, 1))
                .addNode(node("Sub", "centre", List.of(INPUT_TENSOR, "mean"), "centred"))
                .addNode(node("Mul", "standardise", List.of("centred", "scale"), "standardised"))
                .addNode(node("Gemm", "hidden", List.of("standardised", "w1", "b1"), "pre_activation"))
                .addNode(node("Relu", "relu", List.of("pre_activation"), "activation"))
                .addNode(node("Gemm", "output", List.of("activation", "w2", "b2"), OUTPUT_TENSOR))
                .addNode(node("Sigmoid", "relevance", List.of(OUTPUT_TENSOR), RELEVANCE_TENSOR))
                .build();
        return OnnxMl.ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("flywheel-trainer")
                .setDomain("dev.flywheel.trainer")
                .setModelVersion(modelVersion)
                .setDocString("pairwise ranker (RankNet loss, inverse propensity weighted clicks), " + hidden
                        + " hidden ReLU units; output: a score, higher ranks higher")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(ONNX_OPSET))
                .setGraph(graph)
                .addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder()
                        .setKey(FEATURE_NAMES_METADATA).setValue(String.join(",", featureNames)))
                .build()
                .toByteArray();
    }

    /**
     * The registry descriptor of this ranker's ONNX file: the feature names as inputs, the
     * relevance output, and an all-zero sample row (every feature's neutral value) for the warm-up.
     */
    public ModelDescriptor descriptor(String modelName, byte[] onnx, Map<String, Double> metrics, String createdBy) {
        List<Double> neutral = java.util.Collections.nCopies(featureNames.size(), 0.0);
        return new ModelDescriptor(modelName, 0, Sha256.hex(onnx), INPUT_TENSOR, featureNames,
                new OutputSpec(RELEVANCE_TENSOR, List.of(RELEVANCE_TENSOR), RELEVANCE_TENSOR,
                        "sigmoid of the pairwise ranking score: orders results, not a calibrated probability"),
                metrics, new ReferenceDistributions(List.of(), Map.of(), List.of(neutral)), createdBy);
    }

    private static NodeProto node(String op, String name, List<String> inputs, String output) {
        return NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(output).build();
    }

    private static TensorProto tensor(String name, float[] values, long... dims) {
        TensorProto.Builder tensor = TensorProto.newBuilder().setName(name)
                .setDataType(TensorProto.DataType.FLOAT.getNumber());
        for (long dim : dims) {
            tensor.addDims(dim);
        }
        for (float v : values) {
            tensor.addFloatData(v);
        }
        return tensor.build();
    }

    private static OnnxMl.ValueInfoProto floatMatrix(String name, int columns) {
        OnnxMl.TensorShapeProto shape = OnnxMl.TensorShapeProto.newBuilder()
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(columns))
                .build();
        return OnnxMl.ValueInfoProto.newBuilder().setName(name)
                .setType(OnnxMl.TypeProto.newBuilder().setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(TensorProto.DataType.FLOAT.getNumber()).setShape(shape)))
                .build();
    }
}
