package dev.flywheel.jobs.monitor;

import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.registry.client.RegistryClient;
import dev.flywheel.registry.client.RegistryClientException;
import java.net.URI;

/** Descriptors from the model registry through its Java client, as the scoring job fetches artifacts. */
public final class RegistryDescriptors implements DescriptorSource {
    private static final long serialVersionUID = 1L;

    private final URI registry;
    private final String token;
    private transient RegistryClient client;

    /** @param token a reader token */
    public RegistryDescriptors(URI registry, String token) {
        this.registry = registry;
        this.token = token;
    }

    @Override
    public ModelDescriptor describe(String model, int version) {
        return client().describe(model, version).descriptor();
    }

    @Override
    public boolean worthRetrying(Exception failure) {
        // Unreachable (status 0) or a server error may pass; a 4xx answer will not.
        return !(failure instanceof RegistryClientException e) || e.status() == 0 || e.status() >= 500;
    }

    private synchronized RegistryClient client() {
        if (client == null) {
            client = new RegistryClient(registry, token);
        }
        return client;
    }
}
