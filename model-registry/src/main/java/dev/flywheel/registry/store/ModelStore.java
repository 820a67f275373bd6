package dev.flywheel.registry.store;

import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.models.ModelVersion;
import java.util.List;
import java.util.Optional;

/**
 * Durable state of the registry: model versions with their artifacts, and aliases per model.
 *
 * <p>Every write is atomic: after a crash a reader sees the state before or after a write, never
 * a mix. Implementations check names themselves (not only the HTTP layer) so that no caller can
 * address anything outside the store. Callers serialise writes per store
 * ({@code ModelRegistry} does); reads may run concurrently with writes.
 *
 * <p>Every implementation must pass {@code ModelStoreContract} in the tests.
 */
public interface ModelStore {

    /** Model names with at least one version, sorted. */
    List<String> modelNames();

    /** Versions of a model, oldest first; empty for an unknown model. */
    List<ModelVersion> versions(String model);

    Optional<ModelVersion> version(String model, int version);

    /**
     * Stores a new version with the next free version number (1 for a new model) and status
     * {@code PENDING}, artifact first, so a version that exists always has its bytes.
     *
     * @param descriptor the descriptor; its version field is replaced by the assigned number
     * @return the stored version
     */
    ModelVersion create(ModelDescriptor descriptor, byte[] artifact, long now);

    /**
     * Replaces the record of an existing version (status changes).
     *
     * @throws java.util.NoSuchElementException if the version does not exist
     * @throws IllegalArgumentException if the descriptor differs from the stored one
     */
    void update(ModelVersion version);

    /**
     * The artifact's bytes.
     *
     * @throws java.util.NoSuchElementException if the version does not exist
     */
    byte[] artifact(String model, int version);

    /** Aliases of a model; {@link Aliases#NONE} when never set. */
    Aliases aliases(String model);

    /**
     * Replaces a model's aliases.
     *
     * @throws java.util.NoSuchElementException if the model has no versions
     */
    void putAliases(String model, Aliases aliases);
}
