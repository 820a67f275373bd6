package dev.flywheel.jobs.monitor;

import dev.flywheel.jobs.serving.ModelUpdate;
import dev.flywheel.models.ModelJson;
import dev.flywheel.models.ServingConfig;
import dev.flywheel.models.ServingVariant;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns each {@code model-updates} record into the descriptors of the versions it names, fetched
 * from the registry on a thread of its own (Flink's async I/O: the task thread never waits on
 * HTTP, and a fetch in flight is part of the checkpoint and redone after a restore). A version's
 * descriptor never changes, so each is fetched once per subtask.
 *
 * <p>An unreachable registry is tried {@value #ATTEMPTS} times over about 6 s; a version still
 * missing then, or refused by the registry, is logged, counted in {@code descriptor_fetch_failures}
 * and sent on as null: the job keeps running and that version's drift goes untested until a later
 * record names it again. A record that is not a serving config is logged and skipped.
 */
public final class ReferenceFetcher extends RichAsyncFunction<ModelUpdate, ModelReferences> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ReferenceFetcher.class);
    static final int ATTEMPTS = 5;
    static final long FIRST_BACKOFF_MS = 400;

    private final DescriptorSource descriptors;
    private final String[] models;
    private transient ExecutorService executor;
    private transient Map<String, String> fetched;
    private transient Set<String> watched;
    private transient Counter failures;

    /** @param models the models to watch; empty: every model */
    public ReferenceFetcher(DescriptorSource descriptors, List<String> models) {
        this.descriptors = descriptors;
        this.models = models.toArray(String[]::new);
    }

    @Override
    public void open(OpenContext context) {
        executor = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "flywheel-monitor-descriptors");
            thread.setDaemon(true);
            return thread;
        });
        fetched = new HashMap<>();
        watched = Set.of(models);
        failures = getRuntimeContext().getMetricGroup().counter("descriptor_fetch_failures");
    }

    @Override
    public void asyncInvoke(ModelUpdate update, ResultFuture<ModelReferences> result) {
        if (update.configJson() == null || !(watched.isEmpty() || watched.contains(update.model()))) {
            result.complete(List.of());
            return;
        }
        ServingConfig config;
        try {
            config = ModelJson.servingConfig(update.configJson().getBytes(StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            LOG.warn("ignored a model-updates record for '{}': {}", update.model(), e.getMessage());
            result.complete(List.of());
            return;
        }
        executor.execute(() -> result.complete(List.of(fetch(config))));
    }

    @Override
    public void timeout(ModelUpdate update, ResultFuture<ModelReferences> result) {
        LOG.warn("gave up fetching the descriptors of '{}' after the async timeout", update.model());
        result.complete(List.of());
    }

    private ModelReferences fetch(ServingConfig config) {
        List<ServingVariant> variants = config.variants();
        int[] versions = new int[variants.size()];
        String[] json = new String[variants.size()];
        for (int i = 0; i < variants.size(); i++) {
            versions[i] = variants.get(i).version();
            json[i] = descriptor(config.model(), versions[i]);
        }
        return new ModelReferences(config.model(), versions, json);
    }

    private String descriptor(String model, int version) {
        String key = ModelReferences.key(model, version);
        String known = fetched.get(key);
        if (known != null) {
            return known;
        }
        long backoff = FIRST_BACKOFF_MS;
        for (int attempt = 1; ; attempt++) {
            try {
                String json = new String(ModelJson.encode(descriptors.describe(model, version)), StandardCharsets.UTF_8);
                fetched.put(key, json);
                return json;
            } catch (Exception e) {
                if (attempt >= ATTEMPTS || !descriptors.worthRetrying(e)) {
                    failures.inc();
                    LOG.warn("no descriptor for {} v{} after {} attempt(s): its drift goes untested: {}", model, version,
                            attempt, e.getMessage());
                    return null;
                }
            }
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return null;
            }
            backoff *= 2;
        }
    }

    @Override
    public void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
