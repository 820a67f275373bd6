package dev.flywheel.registry.api;

/**
 * The complete alias assignment of one model, as sent to {@code PUT /models/{name}/aliases}.
 * Version 0 leaves a role empty. A new champion pushes the old one onto the rollback history.
 *
 * @param challengerShare share of decisions the challenger makes; the champion makes the rest
 * @param shadowShare     share of requests the shadow also scores, never served
 */
public record AliasUpdate(int champion, int challenger, int shadow, double challengerShare, double shadowShare) {
}
