package dev.flywheel.models;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The complete serving configuration of one model: the value of a {@code model-updates} record,
 * keyed by model name. Each record replaces the previous one; a consumer never merges.
 *
 * @param model     model name (also the record key)
 * @param revision  increases by one with every published change of this model
 * @param variants  at most one per role; empty when nothing serves (every version archived)
 * @param updatedAt epoch millis of the change
 */
public record ServingConfig(String model, long revision, List<ServingVariant> variants, long updatedAt) {
    public ServingConfig {
        ModelContracts.requireModelName(model);
        variants = List.copyOf(Objects.requireNonNullElse(variants, List.of()));
        if (variants.stream().map(ServingVariant::role).distinct().count() != variants.size()) {
            throw new IllegalArgumentException("at most one variant per role: " + variants);
        }
    }

    public Optional<ServingVariant> variant(String role) {
        return variants.stream().filter(v -> v.role().equals(role)).findFirst();
    }
}
