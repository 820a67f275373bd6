package dev.flywheel.models;

/**
 * Where a model version is in its life. Only {@link #READY} versions can hold an alias and serve.
 *
 * <pre>
 * PENDING --checks pass--> VALIDATED --announced on model-updates--> READY --> ARCHIVED
 *    \--checks fail--> REJECTED (with a reason)
 * </pre>
 *
 * VALIDATED is persisted on its own so that a registry stopped between validation and
 * announcement finishes the job on restart instead of validating again.
 */
public enum ModelStatus {
    PENDING,
    VALIDATED,
    READY,
    REJECTED,
    ARCHIVED;

    public boolean canServe() {
        return this == READY;
    }
}
