package dev.flywheel.registry;

import dev.flywheel.models.ModelContracts;
import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.models.ModelStatus;
import dev.flywheel.models.ModelVersion;
import dev.flywheel.models.ServingConfig;
import dev.flywheel.models.ServingVariant;
import dev.flywheel.registry.api.AliasUpdate;
import dev.flywheel.registry.api.ModelSummary;
import dev.flywheel.registry.changes.ChangePublisher;
import dev.flywheel.registry.metrics.RegistryMetrics;
import dev.flywheel.registry.store.Aliases;
import dev.flywheel.registry.store.ModelStore;
import dev.flywheel.registry.validation.ModelValidator;
import dev.flywheel.registry.validation.ValidationResult;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's rules, independent of HTTP: version lifecycle, aliases, and announcing every
 * change that affects serving.
 *
 * <p>Lifecycle: a registered version is stored PENDING, validated (outside the lock: it takes a
 * JVM start), then VALIDATED, then READY once its serving configuration is published. The first
 * READY version of a model becomes its champion, because a model with versions but nothing
 * serving helps nobody; after that only explicit alias changes move traffic.
 *
 * <p>State changes are serialised by one lock. Each change is stored first and published
 * second; if publishing fails the caller gets an error but the stored state stands, and the next
 * change of that model (or a restart, see {@link #recover()}) publishes the complete
 * configuration again, which is enough because each record carries the whole state.
 */
public final class ModelRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);

    private final ModelStore store;
    private final ModelValidator validator;
    private final ChangePublisher publisher;
    private final RegistryMetrics metrics;
    private final String artifactBaseUrl;
    private final Clock clock;
    private final Object lock = new Object();

    /**
     * @param artifactBaseUrl the registry's public URL; artifact URIs in serving configs hang off it
     */
    public ModelRegistry(ModelStore store, ModelValidator validator, ChangePublisher publisher,
                         RegistryMetrics metrics, String artifactBaseUrl, Clock clock) {
        this.store = store;
        this.validator = validator;
        this.publisher = publisher;
        this.metrics = metrics;
        this.artifactBaseUrl = artifactBaseUrl.replaceAll("/+$", "");
        this.clock = clock;
    }

    public ModelStore store() {
        return store;
    }

    /**
     * Finishes what a previous run left half done (PENDING versions are validated, VALIDATED ones
     * made ready) and republishes every model's serving configuration, so a topic that lost data
     * or a change whose announcement failed is repaired at start.
     */
    public void recover() {
        for (String model : store.modelNames()) {
            for (ModelVersion version : store.versions(model)) {
                if (version.status() == ModelStatus.PENDING) {
                    LOG.info("Validating {}/{} left pending by the previous run", model, version.version());
                    validateAndSettle(version, store.artifact(model, version.version()));
                } else if (version.status() == ModelStatus.VALIDATED) {
                    synchronized (lock) {
                        makeReady(version);
                    }
                }
            }
            synchronized (lock) {
                if (store.versions(model).stream().anyMatch(v -> v.status() == ModelStatus.READY)) {
                    try {
                        publish(model, store.aliases(model));
                    } catch (RegistryException e) {
                        // Serving the API beats refusing to start; the next change of this model publishes again.
                        LOG.warn("Could not republish {} at start: {}", model, e.getMessage());
                    }
                }
            }
        }
    }

    /**
     * Registers a version: stores it, validates it, and makes it ready or rejects it.
     *
     * @return the version with its final status, READY or REJECTED (with reason and detail)
     */
    public ModelVersion register(ModelDescriptor descriptor, byte[] artifact) {
        ModelVersion pending = store.create(descriptor, artifact, clock.millis());
        LOG.info("Registered {}/{} ({} bytes), validating", pending.name(), pending.version(), artifact.length);
        return validateAndSettle(pending, artifact);
    }

    private ModelVersion validateAndSettle(ModelVersion pending, byte[] artifact) {
        long start = System.nanoTime();
        ValidationResult result = validator.validate(pending.descriptor(), artifact);
        metrics.validation(result, (System.nanoTime() - start) / 1e9);
        synchronized (lock) {
            if (!result.isAccepted()) {
                ModelVersion rejected = pending.withStatus(ModelStatus.REJECTED, result.reason().name(), result.detail(), clock.millis());
                store.update(rejected);
                LOG.warn("Rejected {}/{}: {} {}", pending.name(), pending.version(), result.reason(), result.detail());
                return rejected;
            }
            ModelVersion validated = pending.withStatus(ModelStatus.VALIDATED, "", "", clock.millis());
            store.update(validated);
            return makeReady(validated);
        }
    }

    private ModelVersion makeReady(ModelVersion validated) {
        ModelVersion ready = validated.withStatus(ModelStatus.READY, "", "", clock.millis());
        store.update(ready);
        Aliases aliases = store.aliases(ready.name());
        if (aliases.champion() == 0) {
            aliases = aliases.withChampion(ready.version());
        }
        commit(ready.name(), aliases);
        LOG.info("{}/{} is ready", ready.name(), ready.version());
        return ready;
    }

    public List<String> modelNames() {
        return store.modelNames();
    }

    public ModelSummary summary(String model) {
        List<ModelVersion> versions = versions(model);
        Aliases a = store.aliases(model);
        return new ModelSummary(model, a.champion(), a.challenger(), a.shadow(), a.challengerShare(), a.shadowShare(),
                a.championHistory(), versions);
    }

    /** @throws RegistryException 404 for a model without versions */
    public List<ModelVersion> versions(String model) {
        List<ModelVersion> versions = store.versions(ModelContracts.requireModelName(model));
        if (versions.isEmpty()) {
            throw RegistryException.notFound("no model " + model);
        }
        return versions;
    }

    public ModelVersion version(String model, int version) {
        return store.version(ModelContracts.requireModelName(model), version)
                .orElseThrow(() -> RegistryException.notFound("no version " + model + "/" + version));
    }

    public byte[] artifact(String model, int version) {
        version(model, version);
        try {
            return store.artifact(model, version);
        } catch (NoSuchElementException e) {
            throw RegistryException.notFound(e.getMessage());
        }
    }

    public ServingConfig servingConfig(String model) {
        versions(model);
        Aliases aliases = store.aliases(model);
        return servingConfig(model, aliases);
    }

    public ServingConfig setAliases(String model, AliasUpdate update) {
        synchronized (lock) {
            versions(model);
            for (int version : new int[] {update.champion(), update.challenger(), update.shadow()}) {
                if (version != 0) {
                    requireReady(model, version);
                }
            }
            Aliases current = store.aliases(model);
            Aliases next;
            try {
                next = new Aliases(update.champion(), update.challenger(), update.shadow(), update.challengerShare(),
                        update.shadowShare(), current.historyAfterReplacing(update.champion()), current.revision(), current.updatedAt());
            } catch (IllegalArgumentException e) {
                throw RegistryException.invalid(e.getMessage());
            }
            if (next.champion() == 0 && (next.challenger() != 0 || next.shadow() != 0)) {
                throw RegistryException.invalid("challenger and shadow need a champion");
            }
            return commit(model, next);
        }
    }

    /** Makes {@code version} champion; 0 promotes the current challenger. */
    public ServingConfig promote(String model, int version) {
        synchronized (lock) {
            versions(model);
            Aliases current = store.aliases(model);
            int target = version == 0 ? current.challenger() : version;
            if (target == 0) {
                throw RegistryException.conflict(model + " has no challenger to promote");
            }
            requireReady(model, target);
            if (target == current.champion()) {
                throw RegistryException.conflict(model + "/" + target + " is already champion");
            }
            return commit(model, current.withChampion(target));
        }
    }

    /** Brings back the previous champion; the current one leaves every role. */
    public ServingConfig rollback(String model) {
        synchronized (lock) {
            versions(model);
            Aliases current = store.aliases(model);
            List<Integer> history = new ArrayList<>(current.championHistory());
            if (history.isEmpty()) {
                throw RegistryException.conflict(model + " has no previous champion to roll back to");
            }
            int previous = history.remove(history.size() - 1);
            requireReady(model, previous);
            int challenger = current.challenger() == previous ? 0 : current.challenger();
            int shadow = current.shadow() == previous ? 0 : current.shadow();
            Aliases next = new Aliases(previous, challenger, shadow, challenger == 0 ? 0 : current.challengerShare(),
                    shadow == 0 ? 0 : current.shadowShare(), history, current.revision(), current.updatedAt());
            return commit(model, next);
        }
    }

    /** Retires a version for good. A version holding an alias must lose it first. */
    public ModelVersion archive(String model, int version) {
        synchronized (lock) {
            ModelVersion existing = version(model, version);
            if (existing.status() == ModelStatus.ARCHIVED) {
                return existing;
            }
            if (existing.status() == ModelStatus.PENDING || existing.status() == ModelStatus.VALIDATED) {
                throw RegistryException.conflict(model + "/" + version + " is still being validated");
            }
            Aliases aliases = store.aliases(model);
            if (aliases.holds(version)) {
                throw RegistryException.conflict(model + "/" + version + " holds an alias; move the alias first");
            }
            ModelVersion archived = existing.withStatus(ModelStatus.ARCHIVED, existing.reason(), existing.detail(), clock.millis());
            store.update(archived);
            if (aliases.championHistory().contains(version)) {
                List<Integer> history = new ArrayList<>(aliases.championHistory());
                history.removeIf(v -> v == version);
                store.putAliases(model, new Aliases(aliases.champion(), aliases.challenger(), aliases.shadow(),
                        aliases.challengerShare(), aliases.shadowShare(), history, aliases.revision(), aliases.updatedAt()));
            }
            return archived;
        }
    }

    private void requireReady(String model, int version) {
        ModelVersion v = version(model, version);
        if (!v.status().canServe()) {
            throw RegistryException.conflict(model + "/" + version + " is " + v.status() + ", only READY versions can serve");
        }
    }

    private ServingConfig commit(String model, Aliases aliases) {
        Aliases next = aliases.withRevision(store.aliases(model).revision() + 1, clock.millis());
        store.putAliases(model, next);
        return publish(model, next);
    }

    private ServingConfig publish(String model, Aliases aliases) {
        ServingConfig config = servingConfig(model, aliases);
        try {
            publisher.publish(config);
            metrics.published(true);
        } catch (RuntimeException e) {
            metrics.published(false);
            LOG.error("Stored but could not announce {} revision {}", model, config.revision(), e);
            throw new RegistryException(503, "PUBLISH_FAILED", "stored, but the announcement on model-updates failed ("
                    + e.getMessage() + "); the next change or a restart publishes it again");
        }
        return config;
    }

    private ServingConfig servingConfig(String model, Aliases aliases) {
        List<ServingVariant> variants = new ArrayList<>();
        if (aliases.champion() != 0) {
            variants.add(variant(model, ServingVariant.CHAMPION, aliases.champion(), 1 - aliases.challengerShare()));
        }
        if (aliases.challenger() != 0) {
            variants.add(variant(model, ServingVariant.CHALLENGER, aliases.challenger(), aliases.challengerShare()));
        }
        if (aliases.shadow() != 0) {
            variants.add(variant(model, ServingVariant.SHADOW, aliases.shadow(), aliases.shadowShare()));
        }
        return new ServingConfig(model, aliases.revision(), variants, aliases.updatedAt());
    }

    private ServingVariant variant(String model, String role, int version, double share) {
        ModelDescriptor d = version(model, version).descriptor();
        return new ServingVariant(role, version, share, artifactUri(model, version), d.sha256(), d.inputTensor(),
                d.inputs(), d.output());
    }

    public String artifactUri(String model, int version) {
        return artifactBaseUrl + "/models/" + model + "/versions/" + version + "/artifact";
    }
}
