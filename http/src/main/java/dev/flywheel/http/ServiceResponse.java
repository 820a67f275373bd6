package dev.flywheel.http;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a handler answers, complete: the server writes it without holding a thread while a slow
 * client reads it.
 *
 * @param headers response headers in the order given; Content-Length is the server's
 */
public record ServiceResponse(int status, Map<String, String> headers, byte[] body) {

    public ServiceResponse {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("not an HTTP status: " + status);
        }
        headers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(headers, "headers")));
        body = body == null ? new byte[0] : body;
    }

    public static ServiceResponse of(int status, String contentType, byte[] body) {
        return new ServiceResponse(status, Map.of("Content-Type", contentType), body);
    }

    public static ServiceResponse text(int status, String text) {
        return of(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
    }

    /** The shape the project's services use for errors: {@code {"error": CODE, "message": sentence}}. */
    public static ServiceResponse error(int status, String code, String message) {
        String json = "{\"error\":" + Json.quote(code) + ",\"message\":" + Json.quote(message) + "}";
        return of(status, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    /** A copy with one more header (replacing one of the same name). */
    public ServiceResponse withHeader(String name, String value) {
        LinkedHashMap<String, String> copy = new LinkedHashMap<>(headers);
        copy.keySet().removeIf(existing -> existing.equalsIgnoreCase(name));
        copy.put(name, value);
        return new ServiceResponse(status, copy, body);
    }

    /** Just enough JSON to quote a string, so this module needs no JSON library. */
    static final class Json {
        private Json() {
        }

        static String quote(String s) {
            StringBuilder out = new StringBuilder(s.length() + 2).append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"' -> out.append("\\\"");
                    case '\\' -> out.append("\\\\");
                    default -> {
                        if (c < 0x20) {
                            out.append(String.format("\\u%04x", (int) c));
                        } else {
                            out.append(c);
                        }
                    }
                }
            }
            return out.append('"').toString();
        }
    }
}
