package dev.flywheel.trainer.export;

import ai.onnx.proto.OnnxMl;
import dev.flywheel.trainer.training.LinearPropensityModel;
import dev.flywheel.trainer.training.PropensityModel;
import dev.flywheel.trainer.training.Standardization;
import org.tribuo.ONNXExportable;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXInitializer;
import org.tribuo.util.onnx.ONNXNode;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;

/**
 * Writes a {@link LinearPropensityModel} as one ONNX graph that serving can run on raw feature vectors:
 *
 * <pre>
 * features [N, F] float --Sub(mean)--Mul(scale)--> Tribuo's linear graph (Gemm, Softmax) --> probabilities [N, 2]
 * </pre>
 *
 * <p>Input column {@code j} is feature {@code j} of {@link PropensityModel#featureNames()} (the spec
 * order); the same names, comma-separated, go into the model's metadata under
 * {@value #FEATURE_NAMES_METADATA}, which the registry compares with the descriptor's inputs.
 * Output column {@code c} is the probability of label {@link PropensityModel#outputColumns()}{@code [c]}.
 */
public final class OnnxExport {
    public static final String INPUT_TENSOR = "features";
    public static final String OUTPUT_TENSOR = "probabilities";
    /** Metadata key the registry's validator reads to check the input order. */
    public static final String FEATURE_NAMES_METADATA = "feature_names";
    public static final String DOMAIN = "dev.flywheel.trainer";

    private OnnxExport() {
    }

    /** Any propensity model, as its own kind writes itself. */
    public static byte[] toOnnx(PropensityModel model, String graphName, long modelVersion) {
        return model.toOnnx(graphName, modelVersion);
    }

    public static byte[] toOnnx(LinearPropensityModel model, String graphName, long modelVersion) {
        Standardization standardization = model.standardization();
        ONNXContext onnx = new ONNXContext();
        onnx.setName(graphName);
        ONNXPlaceholder input = onnx.floatInput(INPUT_TENSOR, standardization.width());
        ONNXInitializer mean = onnx.array("feature_mean", standardization.mean());
        ONNXInitializer scale = onnx.array("feature_scale", standardization.scale());
        ONNXNode standardized = input.apply(ONNXOperators.SUB, mean).apply(ONNXOperators.MUL, scale);
        ONNXPlaceholder output = onnx.floatOutput(OUTPUT_TENSOR, model.outputColumns().size());
        model.tribuoModel().writeONNXGraph(standardized).assignTo(output);
        OnnxMl.ModelProto proto = ONNXExportable.buildModel(onnx, DOMAIN, modelVersion, model.tribuoModel());
        return proto.toBuilder()
                .addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder()
                        .setKey(FEATURE_NAMES_METADATA)
                        .setValue(String.join(",", model.featureNames())))
                .build()
                .toByteArray();
    }
}
