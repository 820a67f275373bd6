package dev.flywheel.features;

import java.util.Objects;

/**
 * One feature of the vector.
 *
 * @param name         the stable name models declare as an input
 * @param family       what it describes
 * @param meaning      one sentence a person can check a value against
 * @param type         the unit of its value
 * @param defaultValue the value when there is nothing to compute it from (no history, no price)
 */
public record FeatureDefinition(String name, FeatureFamily family, String meaning, FeatureType type,
        double defaultValue) {

    public FeatureDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(meaning, "meaning");
        Objects.requireNonNull(type, "type");
        if (!name.matches("[a-z][a-z0-9_]*")) {
            throw new IllegalArgumentException("feature names are lower snake case: " + name);
        }
    }
}
