package dev.flywheel.jobs.serving;

import dev.flywheel.models.ModelVersion;
import dev.flywheel.models.ServingVariant;
import dev.flywheel.registry.client.RegistryClient;
import dev.flywheel.registry.client.RegistryClientException;
import java.net.URI;
import java.util.List;

/**
 * Artifacts from the model registry through its Java client: the ONNX bytes (the client checks
 * them against the registry's sha256; {@link LoadedModel#load} checks them again against the
 * serving config's) and the descriptor's sample rows for the warm-up.
 *
 * <p>An unreachable registry or a 5xx answer is {@link RefusalReason#UNREACHABLE}, which the caller
 * retries; a 404 or another refusal is {@link RefusalReason#NOT_AVAILABLE}.
 */
public final class RegistryArtifacts implements ArtifactSource {
    private static final long serialVersionUID = 1L;

    private final URI registry;
    private final String token;
    private transient RegistryClient client;

    /** @param token a reader token */
    public RegistryArtifacts(URI registry, String token) {
        this.registry = registry;
        this.token = token;
    }

    @Override
    public ModelArtifact fetch(String model, ServingVariant variant) throws ModelRefusedException {
        RegistryClient registry = client();
        try {
            ModelVersion version = registry.describe(model, variant.version());
            byte[] onnx = registry.download(model, variant.version());
            List<double[]> rows = version.descriptor().reference().sampleRows().stream()
                    .map(row -> row.stream().mapToDouble(Double::doubleValue).toArray())
                    .toList();
            return new ModelArtifact(onnx, rows);
        } catch (RegistryClientException e) {
            RefusalReason reason;
            if ("SHA256_MISMATCH".equals(e.code())) {
                reason = RefusalReason.SHA256_MISMATCH;
            } else if (e.status() == 0 || e.status() >= 500) {
                reason = RefusalReason.UNREACHABLE;
            } else {
                reason = RefusalReason.NOT_AVAILABLE;
            }
            throw new ModelRefusedException(reason, model + " v" + variant.version() + " from " + this.registry + ": "
                    + e.code() + ": " + e.getMessage(), e);
        }
    }

    private synchronized RegistryClient client() {
        if (client == null) {
            client = new RegistryClient(registry, token);
        }
        return client;
    }
}
