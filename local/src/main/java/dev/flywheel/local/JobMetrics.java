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
import java.util.List;
import java.util.Map;

/**
 * Reads a running job's own counters (for example {@code eventsAccepted}) through Flink's REST API,
 * summed over all subtasks of every vertex: the same numbers the web UI shows.
 */
final class JobMetrics {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final URI rest;
    private final String jobId;

    JobMetrics(URI rest, String jobId) {
        this.rest = rest;
        this.jobId = jobId;
    }

    /** Sum of each named counter across the job; a counter not reported yet is absent from the map. */
    Map<String, Long> sums(List<String> counters) {
        Map<String, Long> totals = new HashMap<>();
        try {
            for (JsonNode vertex : get("/jobs/" + jobId).path("vertices")) {
                String base = "/jobs/" + jobId + "/vertices/" + vertex.path("id").asText() + "/subtasks/metrics";
                List<String> ids = new ArrayList<>();
                for (JsonNode metric : get(base)) {
                    String id = metric.path("id").asText();
                    for (String counter : counters) {
                        if (id.endsWith("." + counter)) {
                            ids.add(id);
                        }
                    }
                }
                if (ids.isEmpty()) {
                    continue;
                }
                String query = URLEncoder.encode(String.join(",", ids), StandardCharsets.UTF_8);
                for (JsonNode value : get(base + "?agg=sum&get=" + query)) {
                    String id = value.path("id").asText();
                    String counter = id.substring(id.lastIndexOf('.') + 1);
                    // Per-reason rejection counters share the name; only the operator-level total counts.
                    if (id.contains(".reason.")) {
                        continue;
                    }
                    totals.merge(counter, (long) value.path("sum").asDouble(), Long::sum);
                }
            }
        } catch (Exception e) {
            // The job may be restarting or not yet reporting: the status line shows what it has.
        }
        return totals;
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(rest.resolve(path)).timeout(Duration.ofSeconds(3)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }
}
