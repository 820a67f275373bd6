package dev.flywheel.models;

import java.util.Objects;

/**
 * A registered version as the registry reports it: descriptor, status, and for a rejected version
 * the reason code and a human detail.
 *
 * @param sizeBytes     size of the ONNX artifact
 * @param registeredAt  epoch millis of registration
 * @param updatedAt     epoch millis of the last status change
 */
public record ModelVersion(ModelDescriptor descriptor, ModelStatus status, String reason, String detail,
                           long sizeBytes, long registeredAt, long updatedAt) {
    public ModelVersion {
        Objects.requireNonNull(descriptor, "descriptor");
        Objects.requireNonNull(status, "status");
        reason = Objects.requireNonNullElse(reason, "");
        detail = Objects.requireNonNullElse(detail, "");
    }

    public String name() {
        return descriptor.name();
    }

    public int version() {
        return descriptor.version();
    }

    public ModelVersion withStatus(ModelStatus newStatus, String newReason, String newDetail, long at) {
        return new ModelVersion(descriptor, newStatus, newReason, newDetail, sizeBytes, registeredAt, at);
    }
}
