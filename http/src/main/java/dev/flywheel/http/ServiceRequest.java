package dev.flywheel.http;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One complete request, body included: a handler never waits on the client.
 *
 * @param method        upper-case HTTP method
 * @param rawPath       the path as sent, still percent-encoded, so a service can refuse encoded
 *                      separators and dot segments itself
 * @param rawQuery      the query as sent, or null
 * @param headers       header values by name; look names up with {@link #header}, which ignores case
 * @param body          the whole body, empty when there was none
 * @param remoteAddress the client's IP address
 */
public record ServiceRequest(String method, String rawPath, String rawQuery, Map<String, List<String>> headers,
                             byte[] body, String remoteAddress) {

    public ServiceRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(rawPath, "rawPath");
        TreeMap<String, List<String>> caseless = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, values) -> caseless.merge(name, List.copyOf(values),
                (a, b) -> java.util.stream.Stream.concat(a.stream(), b.stream()).toList()));
        headers = java.util.Collections.unmodifiableMap(caseless);
        body = body == null ? new byte[0] : body;
    }

    /** The first value of a header, or null; names ignore case. */
    public String header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
