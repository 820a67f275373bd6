package dev.flywheel.trainer.export;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import dev.flywheel.trainer.trees.BoostedTrees;
import dev.flywheel.trainer.trees.RegressionTree;
import java.util.List;

/**
 * Writes {@link BoostedTrees} as one ONNX graph with the same contract as the linear export:
 *
 * <pre>
 * features [N, F] float --TreeEnsembleRegressor (ai.onnx.ml, sum of leaf values + bias)--> margin [N, 1]
 *   --Sigmoid--> p [N, 1];  probabilities [N, 2] = Concat(1 - p, p)
 * </pre>
 *
 * <p>A regressor and an explicit Sigmoid rather than ONNX-ML's TreeEnsembleClassifier: the
 * classifier's binary case rewrites its scores differently per post-transform and adds a label
 * output, where this graph states the probability and its column order outright. Thresholds and
 * leaf values are the trees' own floats, and every split is {@code BRANCH_LT} ({@code x < threshold}
 * goes to the true branch), the comparison {@link RegressionTree#predict} makes, so ONNX Runtime
 * routes every row as Java does and the two differ only in the order float sums are taken.
 *
 * <p>Output column 0 is {@code no_purchase}, column 1 {@code purchase}.
 */
public final class TreeEnsembleOnnx {
    public static final String ML_DOMAIN = "ai.onnx.ml";
    /** The ai.onnx.ml opset whose TreeEnsembleRegressor takes float attributes (1 to 4 do; 5 replaced the operator). */
    static final int ML_OPSET = 3;
    static final int ONNX_OPSET = 13;
    static final int IR_VERSION = 8;
    static final String PRODUCER = "flywheel-trainer";

    private TreeEnsembleOnnx() {
    }

    /**
     * @param featureNames the input columns' names, in column order, written to the metadata
     */
    public static byte[] toOnnx(BoostedTrees model, List<String> featureNames, String graphName, long modelVersion) {
        if (featureNames.size() != model.width()) {
            throw new IllegalArgumentException(featureNames.size() + " feature names for a " + model.width() + "-feature model");
        }
        NodeProto.Builder ensemble = NodeProto.newBuilder()
                .setName("trees").setOpType("TreeEnsembleRegressor").setDomain(ML_DOMAIN)
                .addInput(OnnxExport.INPUT_TENSOR).addOutput("margin");
        AttributeProto.Builder treeIds = ints("nodes_treeids");
        AttributeProto.Builder nodeIds = ints("nodes_nodeids");
        AttributeProto.Builder featureIds = ints("nodes_featureids");
        AttributeProto.Builder modes = strings("nodes_modes");
        AttributeProto.Builder values = floats("nodes_values");
        AttributeProto.Builder trueIds = ints("nodes_truenodeids");
        AttributeProto.Builder falseIds = ints("nodes_falsenodeids");
        AttributeProto.Builder targetTreeIds = ints("target_treeids");
        AttributeProto.Builder targetNodeIds = ints("target_nodeids");
        AttributeProto.Builder targetIds = ints("target_ids");
        AttributeProto.Builder targetWeights = floats("target_weights");
        List<RegressionTree> trees = model.trees();
        for (int t = 0; t < trees.size(); t++) {
            RegressionTree tree = trees.get(t);
            for (int n = 0; n < tree.nodes(); n++) {
                treeIds.addInts(t);
                nodeIds.addInts(n);
                if (tree.isLeaf(n)) {
                    featureIds.addInts(0);
                    modes.addStrings(ByteString.copyFromUtf8("LEAF"));
                    values.addFloats(0f);
                    trueIds.addInts(0);
                    falseIds.addInts(0);
                    targetTreeIds.addInts(t);
                    targetNodeIds.addInts(n);
                    targetIds.addInts(0);
                    targetWeights.addFloats(tree.value()[n]);
                } else {
                    featureIds.addInts(tree.feature()[n]);
                    modes.addStrings(ByteString.copyFromUtf8("BRANCH_LT"));
                    values.addFloats(tree.threshold()[n]);
                    trueIds.addInts(tree.left()[n]);
                    falseIds.addInts(tree.right()[n]);
                }
            }
        }
        ensemble.addAttribute(treeIds).addAttribute(nodeIds).addAttribute(featureIds).addAttribute(modes)
                .addAttribute(values).addAttribute(trueIds).addAttribute(falseIds).addAttribute(targetTreeIds)
                .addAttribute(targetNodeIds).addAttribute(targetIds).addAttribute(targetWeights)
                .addAttribute(AttributeProto.newBuilder().setName("n_targets").setType(AttributeProto.AttributeType.INT).setI(1))
                .addAttribute(floats("base_values").addFloats(model.bias()))
                .addAttribute(string("aggregate_function", "SUM"))
                .addAttribute(string("post_transform", "NONE"));

        OnnxMl.GraphProto graph = OnnxMl.GraphProto.newBuilder()
                .setName(graphName)
                .addInput(floatMatrix(OnnxExport.INPUT_TENSOR, model.width()))
                .addOutput(floatMatrix(OnnxExport.OUTPUT_TENSOR, 2))
                .addInitializer(TensorProto.newBuilder().setName("one").setDataType(TensorProto.DataType.FLOAT.getNumber())
                        .addFloatData(1f))
                .addNode(ensemble)
                .addNode(NodeProto.newBuilder().setName("probability").setOpType("Sigmoid").addInput("margin").addOutput("p"))
                .addNode(NodeProto.newBuilder().setName("complement").setOpType("Sub").addInput("one").addInput("p").addOutput("q"))
                .addNode(NodeProto.newBuilder().setName("columns").setOpType("Concat").addInput("q").addInput("p")
                        .addOutput(OnnxExport.OUTPUT_TENSOR)
                        .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(1)))
                .build();
        return OnnxMl.ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName(PRODUCER)
                .setDomain(OnnxExport.DOMAIN)
                .setModelVersion(modelVersion)
                .setDocString("gradient-boosted trees, " + trees.size() + " trees; output columns no_purchase, purchase")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(ONNX_OPSET))
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain(ML_DOMAIN).setVersion(ML_OPSET))
                .setGraph(graph)
                .addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder()
                        .setKey(OnnxExport.FEATURE_NAMES_METADATA).setValue(String.join(",", featureNames)))
                .build()
                .toByteArray();
    }

    /** A float tensor {@code [batch, columns]} with a named, free batch dimension. */
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

    private static AttributeProto.Builder ints(String name) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
    }

    private static AttributeProto.Builder floats(String name) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOATS);
    }

    private static AttributeProto.Builder strings(String name) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRINGS);
    }

    private static AttributeProto.Builder string(String name, String value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(value));
    }
}
