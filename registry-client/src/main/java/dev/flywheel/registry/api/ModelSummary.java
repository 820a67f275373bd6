package dev.flywheel.registry.api;

import dev.flywheel.models.ModelVersion;
import java.util.List;

/**
 * One model as {@code GET /models/{name}} reports it.
 *
 * @param championHistory previous champions, most recent last (what rollback returns to)
 */
public record ModelSummary(String name, int champion, int challenger, int shadow, double challengerShare,
                           double shadowShare, List<Integer> championHistory, List<ModelVersion> versions) {
}
