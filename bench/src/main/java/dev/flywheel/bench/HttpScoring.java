package dev.flywheel.bench;

import dev.flywheel.decisions.Decision;
import dev.flywheel.features.FeatureVector;
import dev.flywheel.models.ServingVariant;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * The bolt-on way to score: one HTTP request per event to a model server, from Flink's async I/O
 * operator, so many requests are in flight per subtask and the task thread never waits on one.
 * The decision it makes carries what the feature vector knows (no session or item id).
 */
final class HttpScoring extends RichAsyncFunction<FeatureVector, Decision> {
    private static final long serialVersionUID = 1L;
    private final String url;
    private final int modelVersion;
    private transient HttpClient client;
    private transient URI uri;

    HttpScoring(String url, int modelVersion) {
        this.url = url;
        this.modelVersion = modelVersion;
    }

    @Override
    public void open(OpenContext context) {
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        uri = URI.create(url);
    }

    @Override
    public void asyncInvoke(FeatureVector vector, ResultFuture<Decision> result) {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .POST(HttpRequest.BodyPublishers.ofString(HttpModelServer.body(vector.values())))
                .build();
        client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
            } else if (response.statusCode() != 200) {
                result.completeExceptionally(new IllegalStateException("model server answered " + response.statusCode()
                        + ": " + response.body()));
            } else {
                double score = Float.parseFloat(response.body());
                result.complete(List.of(new Decision(Decision.idOf(vector.eventId(), BenchModel.NAME, modelVersion),
                        vector.eventId(), vector.eventType(), vector.userId(), null, null, BenchModel.NAME,
                        modelVersion, ServingVariant.CHAMPION, score, vector.specVersion(), vector.values(),
                        vector.eventTime(), System.currentTimeMillis())));
            }
        });
    }
}
