package dev.flywheel.registry.client;

/** The registry refused a request or could not be reached. */
public final class RegistryClientException extends RuntimeException {
    private final int status;
    private final String code;

    public RegistryClientException(int status, String code, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.code = code;
    }

    /** HTTP status, or 0 when the registry could not be reached. */
    public int status() {
        return status;
    }

    /** The registry's error code (e.g. NOT_FOUND, CONFLICT, UNAUTHENTICATED), or UNREACHABLE. */
    public String code() {
        return code;
    }
}
