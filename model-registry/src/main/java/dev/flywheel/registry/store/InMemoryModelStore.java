package dev.flywheel.registry.store;

import dev.flywheel.models.ModelContracts;
import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.models.ModelStatus;
import dev.flywheel.models.ModelVersion;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/** A store that forgets everything when the process ends: for tests and throw-away local runs. */
public final class InMemoryModelStore implements ModelStore {
    private final Map<String, Map<Integer, ModelVersion>> versions = new ConcurrentHashMap<>();
    private final Map<String, byte[]> artifacts = new ConcurrentHashMap<>();
    private final Map<String, Aliases> aliases = new ConcurrentHashMap<>();

    @Override
    public List<String> modelNames() {
        return versions.keySet().stream().sorted().toList();
    }

    @Override
    public List<ModelVersion> versions(String model) {
        ModelContracts.requireModelName(model);
        Map<Integer, ModelVersion> byNumber = versions.get(model);
        return byNumber == null ? List.of() : List.copyOf(snapshot(byNumber).values());
    }

    @Override
    public Optional<ModelVersion> version(String model, int version) {
        ModelContracts.requireModelName(model);
        Map<Integer, ModelVersion> byNumber = versions.get(model);
        return byNumber == null ? Optional.empty() : Optional.ofNullable(byNumber.get(version));
    }

    @Override
    public synchronized ModelVersion create(ModelDescriptor descriptor, byte[] artifact, long now) {
        Map<Integer, ModelVersion> byNumber = versions.computeIfAbsent(descriptor.name(), n -> new ConcurrentHashMap<>());
        int number = byNumber.keySet().stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
        ModelVersion created = new ModelVersion(descriptor.withVersion(number), ModelStatus.PENDING, "", "",
                artifact.length, now, now);
        artifacts.put(key(descriptor.name(), number), artifact.clone());
        byNumber.put(number, created);
        return created;
    }

    @Override
    public synchronized void update(ModelVersion version) {
        ModelVersion existing = version(version.name(), version.version())
                .orElseThrow(() -> new NoSuchElementException("no version " + version.name() + "/" + version.version()));
        if (!existing.descriptor().equals(version.descriptor())) {
            throw new IllegalArgumentException("a version's descriptor cannot change");
        }
        versions.get(version.name()).put(version.version(), version);
    }

    @Override
    public byte[] artifact(String model, int version) {
        ModelContracts.requireModelName(model);
        byte[] bytes = artifacts.get(key(model, version));
        if (bytes == null) {
            throw new NoSuchElementException("no version " + model + "/" + version);
        }
        return bytes.clone();
    }

    @Override
    public Aliases aliases(String model) {
        ModelContracts.requireModelName(model);
        return aliases.getOrDefault(model, Aliases.NONE);
    }

    @Override
    public synchronized void putAliases(String model, Aliases newAliases) {
        ModelContracts.requireModelName(model);
        if (!versions.containsKey(model)) {
            throw new NoSuchElementException("no model " + model);
        }
        aliases.put(model, newAliases);
    }

    private static Map<Integer, ModelVersion> snapshot(Map<Integer, ModelVersion> byNumber) {
        return new TreeMap<>(byNumber);
    }

    private static String key(String model, int version) {
        return model + "/" + version;
    }
}
