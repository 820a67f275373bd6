package dev.flywheel.jobs.monitor;

import dev.flywheel.models.ModelDescriptor;
import java.io.Serializable;

/**
 * Where the monitor gets a version's descriptor, with its reference distributions. Serializable
 * because it travels inside the fetching function; implementations connect lazily.
 */
public interface DescriptorSource extends Serializable {

    /**
     * @throws Exception when the descriptor can't be had; {@link #worthRetrying} says whether to try again
     */
    ModelDescriptor describe(String model, int version) throws Exception;

    /** Whether a failure of {@link #describe} may pass (an unreachable registry) or will not (no such version). */
    default boolean worthRetrying(Exception failure) {
        return true;
    }
}
