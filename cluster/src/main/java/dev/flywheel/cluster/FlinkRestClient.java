package dev.flywheel.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The parts of Flink's REST API a submission needs, over the JDK's HttpClient: upload a jar, run
 * it, read job states, stop a job with a savepoint. Plain HTTP rather than flink-clients'
 * RestClusterClient, so the command needs no Flink on its class path and speaks to any 2.x
 * cluster; the endpoints are Flink's documented, versioned ones (/v1 is implied).
 */
public final class FlinkRestClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A 50 MB upload over a slow link; reads of small JSON answers are much quicker. */
    private static final Duration UPLOAD_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration CALL_TIMEOUT = Duration.ofMinutes(2);

    private final URI base;
    private final HttpClient http;

    public FlinkRestClient(URI base) {
        String text = base.toString();
        this.base = URI.create(text.endsWith("/") ? text : text + "/");
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    public URI base() {
        return base;
    }

    /** What the cluster answers at /overview: a cheap reachability check with its version. */
    public String flinkVersion() {
        return get("overview").path("flink-version").asText("unknown");
    }

    /** Uploads a jar; returns the id the cluster gave it (the name it stored the file under). */
    public String uploadJar(Path jar) {
        String boundary = "flywheel-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try {
            body.write(("--" + boundary + "\r\n"
                    + "Content-Disposition: form-data; name=\"jarfile\"; filename=\"" + jar.getFileName() + "\"\r\n"
                    + "Content-Type: application/x-java-archive\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.write(Files.readAllBytes(jar));
            body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        HttpRequest request = HttpRequest.newBuilder(base.resolve("jars/upload"))
                .timeout(UPLOAD_TIMEOUT)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                .build();
        String stored = send(request, "uploading " + jar.getFileName()).path("filename").asText("");
        if (stored.isEmpty()) {
            throw new ClusterException("the cluster accepted the upload of " + jar.getFileName() + " but named no file");
        }
        return stored.substring(stored.lastIndexOf('/') + 1);
    }

    /** Runs an uploaded jar's entry class detached; returns the job id. */
    public String runJar(String jarId, String entryClass, List<String> arguments, String savepointPath,
            boolean allowNonRestoredState) {
        ObjectNode body = JSON.createObjectNode();
        body.put("entryClass", entryClass);
        body.putArray("programArgsList").addAll(arguments.stream().map(JSON.getNodeFactory()::textNode).toList());
        if (savepointPath != null) {
            body.put("savepointPath", savepointPath);
            body.put("allowNonRestoredState", allowNonRestoredState);
        }
        String jobId = post("jars/" + jarId + "/run", body, "running " + entryClass).path("jobid").asText("");
        if (jobId.isEmpty()) {
            throw new ClusterException("the cluster ran " + entryClass + " but returned no job id");
        }
        return jobId;
    }

    public void deleteJar(String jarId) {
        send(HttpRequest.newBuilder(base.resolve("jars/" + jarId)).timeout(CALL_TIMEOUT).DELETE().build(),
                "deleting jar " + jarId);
    }

    /** The job's state: RUNNING, FINISHED, FAILED, CANCELED, ... */
    public String jobState(String jobId) {
        return get("jobs/" + jobId).path("state").asText("UNKNOWN");
    }

    /** Jobs the cluster knows, newest first by start time. */
    public List<JobSummary> jobs() {
        List<JobSummary> jobs = new ArrayList<>();
        for (JsonNode job : get("jobs/overview").path("jobs")) {
            jobs.add(new JobSummary(job.path("jid").asText(), job.path("name").asText(), job.path("state").asText(),
                    job.path("start-time").asLong()));
        }
        jobs.sort((a, b) -> Long.compare(b.startTime(), a.startTime()));
        return jobs;
    }

    /**
     * Starts stop-with-savepoint; returns the trigger id to poll. Without {@code drain} the
     * sources stop without emitting a final watermark, so event-time windows stay open in the
     * savepoint and resume where they were.
     */
    public String stopWithSavepoint(String jobId, String targetDirectory, boolean drain) {
        ObjectNode body = JSON.createObjectNode();
        if (targetDirectory != null) {
            body.put("targetDirectory", targetDirectory);
        }
        body.put("drain", drain);
        body.put("formatType", "CANONICAL");
        String trigger = post("jobs/" + jobId + "/stop", body, "stopping job " + jobId).path("request-id").asText("");
        if (trigger.isEmpty()) {
            throw new ClusterException("the cluster took the stop of job " + jobId + " but returned no request id");
        }
        return trigger;
    }

    /** The savepoint's state: its location once completed, the failure if it failed, else in progress. */
    public SavepointStatus savepointStatus(String jobId, String triggerId) {
        JsonNode answer = get("jobs/" + jobId + "/savepoints/" + triggerId);
        if (!"COMPLETED".equals(answer.path("status").path("id").asText())) {
            return new SavepointStatus(false, null, null);
        }
        JsonNode operation = answer.path("operation");
        if (operation.hasNonNull("failure-cause")) {
            JsonNode cause = operation.path("failure-cause");
            // Flink's SerializedThrowable: the stack trace's first line names the exception and its message.
            String trace = cause.path("stack-trace").asText("");
            return new SavepointStatus(true, null, trace.isBlank() ? cause.path("class").asText(cause.toString())
                    : firstLine(trace));
        }
        return new SavepointStatus(true, operation.path("location").asText(null), null);
    }

    private JsonNode get(String path) {
        return send(HttpRequest.newBuilder(base.resolve(path)).timeout(CALL_TIMEOUT).GET().build(), "reading " + path);
    }

    private JsonNode post(String path, JsonNode body, String what) {
        return send(HttpRequest.newBuilder(base.resolve(path)).timeout(CALL_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), what);
    }

    private JsonNode send(HttpRequest request, String what) {
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new ClusterException("no Flink REST endpoint answers at " + base + " (" + what + ")");
        } catch (IOException e) {
            throw new ClusterException(what + " at " + base + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterException(what + " was interrupted");
        }
        JsonNode answer;
        try {
            answer = response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body());
        } catch (IOException e) {
            throw new ClusterException(what + ": " + base + " answered " + response.statusCode()
                    + " with something other than JSON: is it a Flink REST endpoint?");
        }
        if (response.statusCode() >= 300) {
            throw new ClusterException(what + " failed (HTTP " + response.statusCode() + "): " + errorOf(answer));
        }
        return answer;
    }

    /**
     * Flink answers errors as {"errors": [...]} whose entries can be whole stack traces; the most
     * telling line is the deepest "Caused by", which is where a job's own exception message sits.
     */
    static String errorOf(JsonNode answer) {
        List<String> lines = new ArrayList<>();
        for (JsonNode error : answer.path("errors")) {
            for (String line : error.asText().split("\n")) {
                if (!line.isBlank() && !line.startsWith("\tat ") && !line.startsWith("\t...")) {
                    lines.add(line.trim());
                }
            }
        }
        if (lines.isEmpty()) {
            return answer.toString();
        }
        String deepest = lines.get(0);
        for (String line : lines) {
            if (line.startsWith("Caused by: ")) {
                deepest = line.substring("Caused by: ".length());
            }
        }
        return deepest.equals(lines.get(0)) ? deepest : lines.get(0) + " ... " + deepest;
    }

    private static String firstLine(String text) {
        int newline = text.indexOf('\n');
        return (newline < 0 ? text : text.substring(0, newline)).trim();
    }

    public record JobSummary(String id, String name, String state, long startTime) {
    }

    /** @param failure null unless the savepoint failed */
    public record SavepointStatus(boolean done, String location, String failure) {
    }

    /** A cluster answered with an error or not at all: one line for the user. */
    public static final class ClusterException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public ClusterException(String message) {
            super(message);
        }
    }
}
