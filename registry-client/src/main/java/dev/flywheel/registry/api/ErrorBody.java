package dev.flywheel.registry.api;

/** Body of every non-2xx answer except a rejected registration: a stable code and a sentence. */
public record ErrorBody(String error, String message) {
}
