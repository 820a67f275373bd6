package dev.flywheel.jobs.serving;

import dev.flywheel.models.ServingConfig;
import dev.flywheel.models.ServingVariant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models one subtask serves, kept current from {@code model-updates}. A new serving config is
 * carried out only once every version it names is loaded (fetched, sha256 re-checked, signature
 * checked, warmed up: {@link LoadedModel#load}); until then, and for ever if any version is
 * refused, the previous plan keeps serving. A refusal is logged and counted, never thrown: a bad
 * model does not restart the job.
 *
 * <p>Loading runs on one background thread per subtask so that the task thread keeps scoring while
 * a new version downloads; the task thread picks finished loads up in {@link #refresh}, which it
 * calls before each event, and swaps the new plan in between two events. Only the task thread
 * touches plans and loaded models; the loader hands each model over through a concurrent queue.
 * A version already loaded for the previous config (a share change, a promotion) is reused, not
 * loaded again; versions no plan uses any more are closed.
 */
public final class ModelServing implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelServing.class);
    /** Attempts for a version whose registry is unreachable, with doubling pauses from 200 ms (about 6 s in all). */
    private static final int FETCH_ATTEMPTS = 5;

    /** What the serving layer tells the outside (metrics, in the job); called on the task thread. */
    public interface Listener {
        void activated(ServingPlan plan);

        void refused(String model, long revision, RefusalReason reason, String detail);

        /** A version finished loading (fetch, checks, warm-up) in {@code millis}. */
        void loaded(LoadedModel model, long millis);
    }

    private final Set<String> models;
    private final ArtifactSource artifacts;
    private final Listener listener;
    private final ExecutorService loader;
    private final ConcurrentLinkedQueue<LoadResult> finished = new ConcurrentLinkedQueue<>();

    private final Map<String, ServingPlan> plans = new HashMap<>();
    /** Configs waiting for their versions, newest per model. */
    private final Map<String, ServingConfig> waiting = new HashMap<>();
    private final Map<VersionKey, LoadedModel> loaded = new HashMap<>();
    private final Set<VersionKey> loading = new HashSet<>();
    private final Map<VersionKey, ModelRefusedException> refused = new HashMap<>();

    /**
     * @param models the model names this job serves; configs of other models are ignored
     * @param name   names the loader thread, e.g. after the subtask
     */
    public ModelServing(Set<String> models, ArtifactSource artifacts, Listener listener, String name) {
        this.models = Set.copyOf(models);
        this.artifacts = artifacts;
        this.listener = listener;
        this.loader = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "flywheel-model-loader " + name);
            thread.setDaemon(true);
            return thread;
        });
    }

    public boolean serves(String model) {
        return models.contains(model);
    }

    /** The plans in force, one per served model that has one. */
    public Collection<ServingPlan> plans() {
        return plans.values();
    }

    public Optional<ServingPlan> plan(String model) {
        return Optional.ofNullable(plans.get(model));
    }

    /** A new serving config from {@code model-updates}: loads what it needs, in the background. */
    public void offer(ServingConfig config) {
        if (!serves(config.model())) {
            return;
        }
        ServingPlan current = plans.get(config.model());
        if (current != null && current.config().revision() >= config.revision() && current.config().equals(config)) {
            return;
        }
        for (ServingVariant variant : config.variants()) {
            VersionKey key = VersionKey.of(config.model(), variant);
            refused.remove(key); // a new config is a new chance, whatever happened before
            if (!loaded.containsKey(key) && loading.add(key)) {
                loader.execute(() -> finished.add(load(config.model(), variant)));
            }
        }
        waiting.put(config.model(), config);
        settle();
    }

    /** The model was deleted from {@code model-updates} (a tombstone): nothing serves it any more. */
    public void remove(String model) {
        waiting.remove(model);
        plans.remove(model);
        closeUnused();
    }

    /**
     * After a restore: carries out the newest of a model's configs whose versions all load,
     * loading on this thread (the job should serve what it served before it stopped, from its first
     * event on). Falls back to older configs when newer ones are refused.
     *
     * @param newestFirst the configs the job had received for the model, newest first
     */
    public void restore(String model, List<ServingConfig> newestFirst) {
        if (!serves(model) || newestFirst.isEmpty()) {
            return;
        }
        for (ServingConfig config : newestFirst) {
            List<LoadResult> results = new ArrayList<>();
            for (ServingVariant variant : config.variants()) {
                VersionKey key = VersionKey.of(model, variant);
                if (!loaded.containsKey(key)) {
                    results.add(load(model, variant));
                }
            }
            results.forEach(this::accept);
            if (config.variants().stream().allMatch(v -> loaded.containsKey(VersionKey.of(model, v)))) {
                activate(config);
                closeUnused();
                return;
            }
            report(config);
        }
        closeUnused();
    }

    /** Takes finished loads and carries out every config whose versions are now all ready. */
    public void refresh() {
        if (finished.isEmpty()) {
            return;
        }
        LoadResult result;
        while ((result = finished.poll()) != null) {
            loading.remove(result.key());
            accept(result);
        }
        settle();
    }

    /** Whether loads are still running (tests and shutdown). */
    public boolean busy() {
        return !loading.isEmpty() || !finished.isEmpty();
    }

    private void accept(LoadResult result) {
        if (result.model() != null) {
            listener.loaded(result.model(), result.millis());
            LoadedModel previous = loaded.put(result.key(), result.model());
            if (previous != null) {
                previous.close();
            }
        } else {
            refused.put(result.key(), result.failure());
        }
    }

    private void settle() {
        for (ServingConfig config : List.copyOf(waiting.values())) {
            List<VersionKey> keys = config.variants().stream().map(v -> VersionKey.of(config.model(), v)).toList();
            if (keys.stream().anyMatch(refused::containsKey)) {
                waiting.remove(config.model());
                report(config);
            } else if (keys.stream().allMatch(loaded::containsKey)) {
                waiting.remove(config.model());
                activate(config);
            }
        }
        closeUnused();
    }

    private void activate(ServingConfig config) {
        String model = config.model();
        LoadedModel champion = null;
        LoadedModel challenger = null;
        LoadedModel shadow = null;
        double challengerShare = 0;
        double shadowShare = 0;
        for (ServingVariant variant : config.variants()) {
            LoadedModel version = loaded.get(VersionKey.of(model, variant));
            switch (variant.role()) {
                case ServingVariant.CHAMPION -> champion = version;
                case ServingVariant.CHALLENGER -> {
                    challenger = version;
                    challengerShare = variant.trafficShare();
                }
                default -> {
                    shadow = version;
                    shadowShare = variant.trafficShare();
                }
            }
        }
        ServingPlan plan = new ServingPlan(config, champion, challenger, challengerShare, shadow, shadowShare);
        plans.put(model, plan);
        LOG.info("serving {}", plan);
        listener.activated(plan);
    }

    private void report(ServingConfig config) {
        for (ServingVariant variant : config.variants()) {
            ModelRefusedException failure = refused.get(VersionKey.of(config.model(), variant));
            if (failure != null) {
                LOG.warn("refused {} revision {}: version {} {}: {}; still serving {}", config.model(),
                        config.revision(), variant.version(), failure.reason().code(), failure.getMessage(),
                        Optional.ofNullable(plans.get(config.model())).map(Object::toString).orElse("nothing"));
                listener.refused(config.model(), config.revision(), failure.reason(), failure.getMessage());
                return;
            }
        }
    }

    /** Closes loaded versions that neither a plan nor a waiting config uses. */
    private void closeUnused() {
        Set<VersionKey> needed = new HashSet<>();
        for (ServingConfig config : waiting.values()) {
            config.variants().forEach(v -> needed.add(VersionKey.of(config.model(), v)));
        }
        loaded.entrySet().removeIf(entry -> {
            LoadedModel model = entry.getValue();
            boolean used = needed.contains(entry.getKey()) || plans.values().stream().anyMatch(p -> p.uses(model));
            if (!used) {
                model.close();
            }
            return !used;
        });
    }

    /** Fetches and loads one version, retrying an unreachable registry; never throws. */
    private LoadResult load(String model, ServingVariant variant) {
        VersionKey key = VersionKey.of(model, variant);
        long started = System.nanoTime();
        long pauseMs = 200;
        for (int attempt = 1; ; attempt++) {
            try {
                LoadedModel version = LoadedModel.load(model, variant, artifacts.fetch(model, variant));
                return new LoadResult(key, version, null, (System.nanoTime() - started) / 1_000_000);
            } catch (ModelRefusedException e) {
                if (e.reason() != RefusalReason.UNREACHABLE || attempt == FETCH_ATTEMPTS) {
                    return new LoadResult(key, null, e, 0);
                }
                LOG.info("{} v{}: {}; attempt {} of {} in {} ms", model, variant.version(), e.getMessage(), attempt + 1,
                        FETCH_ATTEMPTS, pauseMs);
            } catch (RuntimeException e) {
                return new LoadResult(key, null, new ModelRefusedException(RefusalReason.INVALID_ONNX,
                        model + " v" + variant.version() + ": " + e, e), 0);
            }
            try {
                Thread.sleep(pauseMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new LoadResult(key, null, new ModelRefusedException(RefusalReason.UNREACHABLE, "interrupted"), 0);
            }
            pauseMs *= 2;
        }
    }

    /** Stops the loader and closes every session. */
    @Override
    public void close() {
        loader.shutdownNow();
        try {
            loader.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LoadResult late;
        while ((late = finished.poll()) != null) {
            if (late.model() != null) {
                late.model().close();
            }
        }
        loaded.values().forEach(LoadedModel::close);
        loaded.clear();
        plans.clear();
    }

    /** A version is the same version only with the same bytes. */
    record VersionKey(String model, int version, String sha256) {
        static VersionKey of(String model, ServingVariant variant) {
            return new VersionKey(model, variant.version(), variant.sha256());
        }
    }

    private record LoadResult(VersionKey key, LoadedModel model, ModelRefusedException failure, long millis) {
    }

    /** A listener that ignores everything, for benchmarks and tools. */
    public static Listener silent(Consumer<String> log) {
        return new Listener() {
            @Override
            public void activated(ServingPlan plan) {
                log.accept("serving " + plan);
            }

            @Override
            public void refused(String model, long revision, RefusalReason reason, String detail) {
                log.accept("refused " + model + " revision " + revision + ": " + reason.code() + ": " + detail);
            }

            @Override
            public void loaded(LoadedModel model, long millis) {
            }
        };
    }
}
