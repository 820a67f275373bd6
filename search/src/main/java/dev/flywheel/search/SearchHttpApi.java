package dev.flywheel.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flywheel.events.EventCodec;
import dev.flywheel.http.ServiceHandler;
import dev.flywheel.http.ServiceRequest;
import dev.flywheel.http.ServiceResponse;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code GET /search?q=...&user=...&session=...&k=10}, answered as JSON; served by the shared
 * hardened server (module http), which already refuses oversized heads (431) and slow clients.
 *
 * <p>Every refusal is a 4xx with the services' error shape {@code {"error": CODE, "message": ...}}:
 * a missing or blank {@code q} ({@code missing_query}), a {@code q} longer than the event contract's
 * 1,024 characters ({@code query_too_long}), bytes that are not UTF-8 or broken percent escapes
 * or raw non-ASCII in the URI ({@code bad_encoding}), a bad {@code k} or {@code user} ({@code bad_parameter}), a repeated
 * parameter ({@code duplicate_parameter}). Anything else in {@code q}, Lucene syntax and JSON
 * included, is searched as words (see {@link CatalogIndex}). No {@code user} means an anonymous
 * shopper; a user the ranker does not know is served with its defaults.
 */
public final class SearchHttpApi implements ServiceHandler {
    public static final String ANONYMOUS = "anonymous";
    private static final int DEFAULT_K = 10;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SearchEngine engine;

    public SearchHttpApi(SearchEngine engine) {
        this.engine = engine;
    }

    @Override
    public ServiceResponse handle(ServiceRequest request) {
        if (request.rawPath().equals("/health")) {
            return ServiceResponse.text(200, "ok");
        }
        if (!request.rawPath().equals("/search")) {
            return ServiceResponse.error(404, "not_found", "no such path: only GET /search and GET /health");
        }
        if (!request.method().equals("GET")) {
            return ServiceResponse.error(405, "method_not_allowed", "use GET /search?q=...")
                    .withHeader("Allow", "GET");
        }
        Map<String, String> params;
        try {
            params = parameters(request.rawQuery());
        } catch (BadRequest e) {
            return ServiceResponse.error(400, e.code, e.getMessage());
        }
        String query = params.get("q");
        if (query == null || query.isBlank()) {
            return ServiceResponse.error(400, "missing_query", "q is required and must not be blank");
        }
        if (query.codePointCount(0, query.length()) > EventCodec.MAX_QUERY_LENGTH) {
            return ServiceResponse.error(400, "query_too_long",
                    "q has " + query.codePointCount(0, query.length()) + " characters, at most "
                            + EventCodec.MAX_QUERY_LENGTH + " are searched");
        }
        String user = params.getOrDefault("user", ANONYMOUS);
        if (user.isBlank() || user.length() > EventCodec.MAX_STRING_LENGTH) {
            return ServiceResponse.error(400, "bad_parameter",
                    "user must be non-blank and at most " + EventCodec.MAX_STRING_LENGTH + " characters");
        }
        String session = params.getOrDefault("session", "search-" + user);
        if (session.isBlank() || session.length() > EventCodec.MAX_STRING_LENGTH) {
            return ServiceResponse.error(400, "bad_parameter",
                    "session must be non-blank and at most " + EventCodec.MAX_STRING_LENGTH + " characters");
        }
        int k = DEFAULT_K;
        if (params.containsKey("k")) {
            try {
                k = Integer.parseInt(params.get("k"));
            } catch (NumberFormatException e) {
                k = -1;
            }
            if (k < 1 || k > SearchEngine.MAX_K) {
                return ServiceResponse.error(400, "bad_parameter", "k must be an integer from 1 to " + SearchEngine.MAX_K);
            }
        }
        SearchEngine.Response response = engine.search(query, user, session, k);
        return ServiceResponse.of(200, "application/json", json(response));
    }

    static byte[] json(SearchEngine.Response response) {
        ObjectNode root = JSON.createObjectNode();
        root.put("request_id", response.requestId());
        root.put("query", response.query());
        root.put("user", response.userId());
        root.put("ranked_by", response.rankedBy());
        ArrayNode results = root.putArray("results");
        for (SearchEngine.Result r : response.results()) {
            results.addObject()
                    .put("position", r.position())
                    .put("item_id", r.itemId())
                    .put("title", r.title())
                    .put("brand", r.brand())
                    .put("category", r.category())
                    .put("price", r.price())
                    .put("score", r.score());
        }
        ObjectNode timings = root.putObject("timings_ms");
        timings.put("embed", response.embedNanos() / 1e6);
        timings.put("retrieve", response.retrieveNanos() / 1e6);
        timings.put("rerank", response.rerankNanos() / 1e6);
        try {
            return JSON.writeValueAsBytes(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Form-encoded query parameters, decoded strictly: broken escapes and non-UTF-8 are refused. */
    static Map<String, String> parameters(String rawQuery) throws BadRequest {
        Map<String, String> params = new HashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return params;
        }
        for (String pair : rawQuery.split("&", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            if (params.put(name, value) != null) {
                throw new BadRequest("duplicate_parameter", "parameter " + name + " is given more than once");
            }
        }
        return params;
    }

    private static String decode(String encoded) throws BadRequest {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(encoded.length());
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c == '+') {
                bytes.write(' ');
            } else if (c == '%') {
                if (i + 2 >= encoded.length()) {
                    throw new BadRequest("bad_encoding", "a % escape is cut short at character " + i);
                }
                int hi = Character.digit(encoded.charAt(i + 1), 16);
                int lo = Character.digit(encoded.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new BadRequest("bad_encoding", "not a % escape at character " + i);
                }
                bytes.write(hi * 16 + lo);
                i += 2;
            } else if (c > 0x7f) {
                // A URI carries only ASCII (RFC 3986): raw bytes past it were never percent-encoded, and
                // how the server decoded them is a guess this service does not make.
                throw new BadRequest("bad_encoding", "raw non-ASCII character at " + i + "; percent-encode UTF-8");
            } else {
                bytes.write(c);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new BadRequest("bad_encoding", "parameters must be UTF-8");
        }
    }

    static final class BadRequest extends Exception {
        final String code;

        BadRequest(String code, String message) {
            super(message);
            this.code = code;
        }
    }
}
