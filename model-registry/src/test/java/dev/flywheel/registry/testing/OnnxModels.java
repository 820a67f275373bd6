package dev.flywheel.registry.testing;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.util.ArrayList;
import java.util.List;

/**
 * Small ONNX models built with the ONNX protobuf classes, good and deliberately broken.
 *
 * <p>The good model is a logistic regression: {@code p = sigmoid(X W + b)}, output
 * {@code probabilities = [1 - p, p]} with columns {@code no_purchase, purchase}.
 */
public final class OnnxModels {
    public static final String INPUT = "input";
    public static final String OUTPUT = "probabilities";

    private OnnxModels() {
    }

    /** Knobs for one model; every default gives a valid model. */
    public static final class Spec {
        String inputName = INPUT;
        int declaredWidth;
        int weightRows;
        int inputType = TensorProto.DataType.FLOAT_VALUE;
        float bias = -1f;
        boolean sigmoid = true;
        boolean divideByZero;
        boolean externalWeights;
        String featureNamesMetadata;
        String producer = "flywheel-tests";
        int docPaddingBytes;

        Spec(int features) {
            declaredWidth = features;
            weightRows = features;
        }

        public Spec inputName(String name) {
            inputName = name;
            return this;
        }

        /** Input declared (and weights sized) for a different number of features than the descriptor has. */
        public Spec width(int width) {
            declaredWidth = width;
            weightRows = width;
            return this;
        }

        public Spec doubleInput() {
            inputType = TensorProto.DataType.DOUBLE_VALUE;
            return this;
        }

        public Spec bias(float value) {
            bias = value;
            return this;
        }

        /** Raw logits instead of probabilities. */
        public Spec withoutSigmoid() {
            sigmoid = false;
            return this;
        }

        /** p / 0: +infinity for every row. */
        public Spec divideByZero() {
            divideByZero = true;
            return this;
        }

        /** Weights stored outside the model file, pointing at a path outside any store. */
        public Spec externalWeights() {
            externalWeights = true;
            return this;
        }

        public Spec featureNamesMetadata(String names) {
            featureNamesMetadata = names;
            return this;
        }

        public Spec producer(String name) {
            producer = name;
            return this;
        }

        public Spec docPadding(int bytes) {
            docPaddingBytes = bytes;
            return this;
        }

        public byte[] build() {
            return OnnxModels.build(this);
        }
    }

    public static Spec logisticRegression(int features) {
        return new Spec(features);
    }

    private static float weight(int i) {
        return 0.5f / (i + 1);
    }

    private static byte[] build(Spec spec) {
        List<NodeProto> nodes = new ArrayList<>();
        List<TensorProto> initializers = new ArrayList<>();
        String x = spec.inputName;
        if (spec.inputType != TensorProto.DataType.FLOAT_VALUE) {
            nodes.add(node("Cast", List.of(x), "x_float", AttributeProto.newBuilder().setName("to")
                    .setType(AttributeProto.AttributeType.INT).setI(TensorProto.DataType.FLOAT_VALUE).build()));
            x = "x_float";
        }
        float[] weights = new float[spec.weightRows];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = weight(i);
        }
        TensorProto.Builder w = floatTensor("W", weights, spec.weightRows, 1).toBuilder();
        if (spec.externalWeights) {
            w.clearFloatData()
                    .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                    .addExternalData(OnnxMl.StringStringEntryProto.newBuilder().setKey("location").setValue("../../../etc/passwd"))
                    .addExternalData(OnnxMl.StringStringEntryProto.newBuilder().setKey("length").setValue(Integer.toString(4 * weights.length)));
        }
        initializers.add(w.build());
        initializers.add(floatTensor("B", new float[] {spec.bias}, 1));
        initializers.add(floatTensor("ONE", new float[] {1f}, 1));
        initializers.add(floatTensor("ZERO", new float[] {0f}, 1));
        nodes.add(node("MatMul", List.of(x, "W"), "xw"));
        nodes.add(node("Add", List.of("xw", "B"), "logit"));
        String p = "logit";
        if (spec.sigmoid) {
            nodes.add(node("Sigmoid", List.of("logit"), "p"));
            p = "p";
        }
        if (spec.divideByZero) {
            nodes.add(node("Div", List.of(p, "ZERO"), "p_div"));
            p = "p_div";
        }
        nodes.add(node("Sub", List.of("ONE", p), "q"));
        nodes.add(node("Concat", List.of("q", p), OUTPUT, AttributeProto.newBuilder().setName("axis")
                .setType(AttributeProto.AttributeType.INT).setI(1).build()));

        GraphProto graph = GraphProto.newBuilder()
                .setName("logistic_regression")
                .addAllNode(nodes)
                .addAllInitializer(initializers)
                .addInput(valueInfo(spec.inputName, spec.inputType, spec.declaredWidth))
                .addOutput(valueInfo(OUTPUT, TensorProto.DataType.FLOAT_VALUE, 2))
                .build();
        ModelProto.Builder model = ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName(spec.producer)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
                .setGraph(graph);
        if (spec.featureNamesMetadata != null) {
            model.addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder().setKey("feature_names").setValue(spec.featureNamesMetadata));
        }
        if (spec.docPaddingBytes > 0) {
            model.setDocString("x".repeat(spec.docPaddingBytes));
        }
        return model.build().toByteArray();
    }

    private static NodeProto node(String op, List<String> inputs, String output, AttributeProto... attributes) {
        NodeProto.Builder node = NodeProto.newBuilder().setOpType(op).setName(output + "_" + op).addAllInput(inputs).addOutput(output);
        for (AttributeProto attribute : attributes) {
            node.addAttribute(attribute);
        }
        return node.build();
    }

    private static TensorProto floatTensor(String name, float[] values, long... dims) {
        TensorProto.Builder tensor = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
        for (long dim : dims) {
            tensor.addDims(dim);
        }
        for (float v : values) {
            tensor.addFloatData(v);
        }
        return tensor.build();
    }

    private static ValueInfoProto valueInfo(String name, int elementType, int width) {
        TensorShapeProto shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(width))
                .build();
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(elementType).setShape(shape)))
                .build();
    }
}
