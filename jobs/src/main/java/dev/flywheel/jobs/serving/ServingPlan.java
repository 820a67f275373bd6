package dev.flywheel.jobs.serving;

import dev.flywheel.models.ServingConfig;
import dev.flywheel.models.ServingVariant;

/**
 * What one model serves in a subtask right now: the loaded versions of one serving config and its
 * split. Immutable; a new config makes a new plan, swapped in whole, so an event never sees half a
 * change.
 *
 * @param config     the serving config this plan carries out
 * @param champion   serves every user outside the challenger's share; null when the config has none
 * @param challenger serves users whose {@link TrafficSplit#bucket} is below its share; null if none
 * @param shadow     scores users whose {@link TrafficSplit#shadowBucket} is below its share, never acted on
 */
public record ServingPlan(ServingConfig config, LoadedModel champion, LoadedModel challenger, double challengerShare,
        LoadedModel shadow, double shadowShare) {

    public String model() {
        return config.model();
    }

    /** The role acting for a user with this bucket, or null when nothing serves them. */
    public String roleFor(double bucket) {
        if (challenger != null && bucket < challengerShare) {
            return ServingVariant.CHALLENGER;
        }
        return champion != null ? ServingVariant.CHAMPION : null;
    }

    /** The version in a role; null if the config has none. */
    public LoadedModel variant(String role) {
        return switch (role) {
            case ServingVariant.CHAMPION -> champion;
            case ServingVariant.CHALLENGER -> challenger;
            default -> shadow;
        };
    }

    public boolean uses(LoadedModel model) {
        return model == champion || model == challenger || model == shadow;
    }

    @Override
    public String toString() {
        return config.model() + " revision " + config.revision() + ": champion " + champion + ", challenger "
                + challenger + " at " + challengerShare + ", shadow " + shadow + " at " + shadowShare;
    }
}
