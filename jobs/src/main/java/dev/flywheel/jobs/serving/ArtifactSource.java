package dev.flywheel.jobs.serving;

import dev.flywheel.models.ServingVariant;
import java.io.Serializable;

/**
 * Where a subtask gets a version's artifact. Serializable because it travels inside the scoring
 * function to every subtask; implementations open connections lazily, on first use.
 */
public interface ArtifactSource extends Serializable {

    /**
     * The artifact of {@code variant}'s version.
     *
     * @throws ModelRefusedException when the version can't be had; {@link RefusalReason#UNREACHABLE}
     *                               is worth retrying, anything else is not
     */
    ModelArtifact fetch(String model, ServingVariant variant) throws ModelRefusedException;
}
