package dev.flywheel.registry;

/** A request the registry refuses, with the HTTP status it maps to and a stable error code. */
public final class RegistryException extends RuntimeException {
    private final int status;
    private final String code;

    public RegistryException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public static RegistryException notFound(String message) {
        return new RegistryException(404, "NOT_FOUND", message);
    }

    public static RegistryException conflict(String message) {
        return new RegistryException(409, "CONFLICT", message);
    }

    public static RegistryException invalid(String message) {
        return new RegistryException(400, "INVALID_REQUEST", message);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
