package dev.flywheel.trainer.worker;

import dev.flywheel.retrain.RetrainRequest;

/**
 * What the worker does with one request. Returning means the request is done and is acknowledged;
 * throwing means this attempt failed, and the request comes back after a backoff until its attempts
 * run out and it is dead-lettered. The worker interrupts its thread when it is closed mid-request:
 * an implementation must not register anything once interrupted, because the request is then
 * already on its way to another worker.
 */
@FunctionalInterface
public interface RetrainHandler {
    RetrainOutcome handle(RetrainRequest request) throws Exception;
}
