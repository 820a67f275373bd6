package dev.flywheel.registry.validation;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.flywheel.models.ModelDescriptor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The checks that need ONNX Runtime. Runs inside the validator child process only: a crafted file
 * can crash native code, and that must not take the registry with it.
 */
final class OnnxCheck {
    /** Custom metadata key with comma-separated feature names, which a producer may set to pin the order. */
    static final String FEATURE_NAMES_METADATA = "feature_names";

    private OnnxCheck() {
    }

    static ValidationResult check(byte[] artifact, ModelDescriptor descriptor) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession session;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            // From bytes, not a path: ONNX Runtime then has no directory to resolve external data against.
            session = env.createSession(artifact, options);
        } catch (OrtException e) {
            String message = String.valueOf(e.getMessage());
            RejectReason reason = refersToExternalData(message) ? RejectReason.EXTERNAL_DATA : RejectReason.INVALID_ONNX;
            return ValidationResult.rejected(reason, "ONNX Runtime cannot load the model: " + firstLine(message));
        }
        try (session) {
            return checkSignature(session, descriptor).orElseGet(() -> score(env, session, descriptor));
        } catch (OrtException e) {
            return ValidationResult.rejected(RejectReason.RUN_FAILED, firstLine(e.getMessage()));
        }
    }

    private static Optional<ValidationResult> checkSignature(OrtSession session, ModelDescriptor descriptor) throws OrtException {
        Map<String, NodeInfo> inputs = session.getInputInfo();
        if (inputs.size() != 1 || !inputs.containsKey(descriptor.inputTensor())) {
            return reject(RejectReason.INPUT_NAME_MISMATCH,
                    "model inputs " + inputs.keySet() + ", descriptor expects exactly [" + descriptor.inputTensor() + "]");
        }
        if (!(inputs.get(descriptor.inputTensor()).getInfo() instanceof TensorInfo input)) {
            return reject(RejectReason.INPUT_TYPE_MISMATCH, "input " + descriptor.inputTensor() + " is not a tensor");
        }
        if (input.type != OnnxJavaType.FLOAT) {
            return reject(RejectReason.INPUT_TYPE_MISMATCH, "input " + descriptor.inputTensor() + " is " + input.type + ", expected FLOAT");
        }
        long[] shape = input.getShape();
        if (shape.length != 2 || shape[1] != descriptor.inputs().size()) {
            return reject(RejectReason.INPUT_SHAPE_MISMATCH, "input shape " + Arrays.toString(shape)
                    + ", expected [batch, " + descriptor.inputs().size() + "]");
        }
        String declaredOrder = session.getMetadata().getCustomMetadata().get(FEATURE_NAMES_METADATA);
        if (declaredOrder != null && !List.of(declaredOrder.split(",", -1)).equals(descriptor.inputs())) {
            return reject(RejectReason.FEATURE_ORDER_MISMATCH, "model metadata names features [" + declaredOrder
                    + "], descriptor " + descriptor.inputs());
        }
        NodeInfo outputNode = session.getOutputInfo().get(descriptor.output().tensor());
        if (outputNode == null) {
            return reject(RejectReason.OUTPUT_MISMATCH, "model outputs " + session.getOutputInfo().keySet()
                    + " lack " + descriptor.output().tensor());
        }
        if (!(outputNode.getInfo() instanceof TensorInfo output) || output.type != OnnxJavaType.FLOAT) {
            return reject(RejectReason.OUTPUT_MISMATCH, "output " + descriptor.output().tensor() + " is not a float tensor: " + outputNode.getInfo());
        }
        long[] outShape = output.getShape();
        int columns = descriptor.output().columns().size();
        if (outShape.length != 2 || (outShape[1] >= 0 && outShape[1] != columns)) {
            return reject(RejectReason.OUTPUT_MISMATCH, "output shape " + Arrays.toString(outShape)
                    + ", descriptor has " + columns + " columns " + descriptor.output().columns());
        }
        return Optional.empty();
    }

    private static ValidationResult score(OrtEnvironment env, OrtSession session, ModelDescriptor descriptor) {
        float[][] rows = ReferenceRows.of(descriptor);
        try (OnnxTensor input = OnnxTensor.createTensor(env, rows);
             OrtSession.Result result = session.run(Map.of(descriptor.inputTensor(), input),
                     java.util.Set.of(descriptor.output().tensor()))) {
            Object value = result.get(0).getValue();
            if (!(value instanceof float[][] scores) || scores.length != rows.length) {
                return ValidationResult.rejected(RejectReason.OUTPUT_MISMATCH, "output for " + rows.length
                        + " rows is not a float[" + rows.length + "][" + descriptor.output().columns().size() + "]");
            }
            for (int r = 0; r < scores.length; r++) {
                if (scores[r].length != descriptor.output().columns().size()) {
                    return ValidationResult.rejected(RejectReason.OUTPUT_MISMATCH, "row " + r + " has " + scores[r].length
                            + " output columns, descriptor " + descriptor.output().columns());
                }
                for (int c = 0; c < scores[r].length; c++) {
                    float p = scores[r][c];
                    if (!Float.isFinite(p)) {
                        return ValidationResult.rejected(RejectReason.NON_FINITE_OUTPUT, "reference row " + r + " "
                                + Arrays.toString(rows[r]) + " scored " + p + " in column " + descriptor.output().columns().get(c));
                    }
                    if (p < 0 || p > 1) {
                        return ValidationResult.rejected(RejectReason.OUTPUT_OUT_OF_RANGE, "reference row " + r
                                + " scored " + p + " in column " + descriptor.output().columns().get(c) + ", not a probability");
                    }
                }
            }
            return ValidationResult.accepted();
        } catch (OrtException e) {
            return ValidationResult.rejected(RejectReason.RUN_FAILED, "scoring " + rows.length + " reference rows failed: "
                    + firstLine(e.getMessage()));
        }
    }

    /**
     * Loaded from bytes, a model with external tensor data fails in ONNX Runtime with "model_path
     * must not be empty" (1.23) or a message naming external data. Either way it is refused; the
     * message only decides the reason code, so a wording change in a later ONNX Runtime would turn
     * EXTERNAL_DATA into INVALID_ONNX, caught by BadModelCorpusTest.
     */
    private static boolean refersToExternalData(String message) {
        String lower = message.toLowerCase(java.util.Locale.ROOT);
        return lower.contains("external") || lower.contains("model_path must not be empty");
    }

    private static Optional<ValidationResult> reject(RejectReason reason, String detail) {
        return Optional.of(ValidationResult.rejected(reason, detail));
    }

    static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        String line = message.strip().lines().findFirst().orElse("");
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }
}
