package dev.flywheel.jobs.serving;

import java.util.List;

/**
 * A model version's bytes and the rows it is warmed up on before it may serve.
 *
 * @param onnx          the ONNX file
 * @param referenceRows the descriptor's sample rows, in the model's input order
 */
public record ModelArtifact(byte[] onnx, List<double[]> referenceRows) {
    public ModelArtifact {
        referenceRows = List.copyOf(referenceRows);
    }
}
