package dev.flywheel.registry.api;

import dev.flywheel.models.ModelDescriptor;

/** Body of {@code POST /models/{name}/versions}: the descriptor and the ONNX bytes in base64. */
public record RegisterRequest(ModelDescriptor descriptor, String artifactBase64) {
}
