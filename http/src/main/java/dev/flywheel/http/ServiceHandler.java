package dev.flywheel.http;

/**
 * A service's request handling. It runs on one of the server's handler threads with the whole
 * request in memory and may block (validation, disk); an exception becomes a logged 500.
 */
@FunctionalInterface
public interface ServiceHandler {
    ServiceResponse handle(ServiceRequest request) throws Exception;
}
