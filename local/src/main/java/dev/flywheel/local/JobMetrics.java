package dev.flywheel.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a running job's own metrics through Flink's REST API, aggregated over all subtasks of every
 * vertex: the same numbers the web UI shows. Counters are summed ({@code events_accepted}); gauges
 * keep their smallest and largest subtask value, so a caller sees when subtasks disagree (the
 * scoring job's {@code champion_version} while a change reaches them one by one).
 *
 * <p>Metrics are matched by their last name segment. Per-reason counters repeat the name of their
 * total ({@code ...reason.bad_json.events_rejected}) and are left out; only the totals count.
 */
final class JobMetrics {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Metrics appear as operators open; until all asked-for names are found, look again this often. */
    private static final long REDISCOVER_NANOS = 2_000_000_000L;

    /** One metric over every subtask that reports it. */
    record Aggregate(double min, double max, double sum) {
        Aggregate merge(Aggregate other) {
            return new Aggregate(Math.min(min, other.min), Math.max(max, other.max), sum + other.sum);
        }

        /** Whether every subtask reports the same value. */
        boolean agreed() {
            return min == max;
        }
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final URI rest;
    private final String jobId;
    private final List<String> names;
    /** Metric ids to ask each vertex for, found by listing its metrics. */
    private Map<String, List<String>> idsByVertex = Map.of();
    private long discoveredAt;
    private boolean complete;

    /** @param names last segments of the metric names to read */
    JobMetrics(URI rest, String jobId, List<String> names) {
        this.rest = rest;
        this.jobId = jobId;
        this.names = List.copyOf(names);
    }

    /** Each named metric that reports; one not reported yet is absent. */
    Map<String, Aggregate> read() {
        Map<String, Aggregate> values = new HashMap<>();
        try {
            if (!complete && System.nanoTime() - discoveredAt > REDISCOVER_NANOS) {
                discover();
            }
            for (Map.Entry<String, List<String>> vertex : idsByVertex.entrySet()) {
                String query = URLEncoder.encode(String.join(",", vertex.getValue()), StandardCharsets.UTF_8);
                for (JsonNode value : get(base(vertex.getKey()) + "?agg=min,max,sum&get=" + query)) {
                    String id = value.path("id").asText();
                    Aggregate aggregate = new Aggregate(value.path("min").asDouble(), value.path("max").asDouble(),
                            value.path("sum").asDouble());
                    values.merge(nameOf(id), aggregate, Aggregate::merge);
                }
            }
        } catch (Exception e) {
            // The job may be restarting or not yet reporting: the caller shows what there is.
        }
        return values;
    }

    /** The sums of the named counters; a counter not reported yet is absent. */
    Map<String, Long> sums() {
        Map<String, Long> sums = new HashMap<>();
        read().forEach((name, aggregate) -> sums.put(name, (long) aggregate.sum()));
        return sums;
    }

    /** Whether every task of the job is running; false while it deploys, restarts, or when it can't be asked. */
    boolean running() {
        try {
            JsonNode vertices = get("/jobs/" + jobId).path("vertices");
            if (vertices.isEmpty()) {
                return false;
            }
            for (JsonNode vertex : vertices) {
                if (!"RUNNING".equals(vertex.path("status").asText())) {
                    return false;
                }
            }
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private void discover() throws Exception {
        Map<String, List<String>> found = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        for (JsonNode vertex : get("/jobs/" + jobId).path("vertices")) {
            String vertexId = vertex.path("id").asText();
            List<String> ids = new ArrayList<>();
            for (JsonNode metric : get(base(vertexId))) {
                String id = metric.path("id").asText();
                if (names.contains(nameOf(id)) && !id.contains(".reason.")) {
                    ids.add(id);
                    seen.add(nameOf(id));
                }
            }
            if (!ids.isEmpty()) {
                found.put(vertexId, ids);
            }
        }
        idsByVertex = found;
        discoveredAt = System.nanoTime();
        complete = seen.containsAll(names);
    }

    private String base(String vertexId) {
        return "/jobs/" + jobId + "/vertices/" + vertexId + "/subtasks/metrics";
    }

    private static String nameOf(String id) {
        return id.substring(id.lastIndexOf('.') + 1);
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(rest.resolve(path)).timeout(Duration.ofSeconds(3)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }
}
