package dev.flywheel.registry.store;

import dev.flywheel.models.ModelContracts;
import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.models.ModelJson;
import dev.flywheel.models.ModelStatus;
import dev.flywheel.models.ModelVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The embedded default store: plain files under one root directory.
 *
 * <pre>
 * root/models/&lt;model&gt;/aliases.json
 * root/models/&lt;model&gt;/&lt;version&gt;/model.onnx
 * root/models/&lt;model&gt;/&lt;version&gt;/version.json
 * </pre>
 *
 * <p>Every file is written to a temporary sibling, forced to disk, atomically renamed over the
 * target, and the directory forced too; so a crash leaves either the old or the new file. A
 * version exists once its {@code version.json} does, and that is written after the artifact: a
 * crash in between leaves a directory without a record, which readers skip and the next
 * registration overwrites. Leftover temporary files are deleted on open.
 *
 * <p>Limit: one process per root. Two registries on the same directory would race on version
 * numbers; nothing here locks against that.
 */
public final class FileSystemModelStore implements ModelStore {
    static final String ARTIFACT = "model.onnx";
    static final String RECORD = "version.json";
    static final String ALIASES = "aliases.json";
    static final String TEMP_SUFFIX = ".tmp";

    private final Path models;

    private FileSystemModelStore(Path root) {
        this.models = root.resolve("models");
    }

    /** Opens (creating if needed) a store at {@code root} and removes what interrupted writes left behind. */
    public static FileSystemModelStore open(Path root) {
        Path absolute = root.toAbsolutePath().normalize();
        FileSystemModelStore store = new FileSystemModelStore(absolute);
        try {
            Files.createDirectories(store.models);
            store.deleteTemporaryFiles();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open model store at " + absolute, e);
        }
        return store;
    }

    @Override
    public List<String> modelNames() {
        try (Stream<Path> entries = Files.list(models)) {
            return entries.filter(Files::isDirectory)
                    .map(p -> p.getFileName().toString())
                    .filter(ModelContracts::isValidModelName)
                    .filter(name -> !versionNumbers(name).isEmpty())
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public List<ModelVersion> versions(String model) {
        List<ModelVersion> result = new ArrayList<>();
        for (int number : versionNumbers(model)) {
            version(model, number).ifPresent(result::add);
        }
        return List.copyOf(result);
    }

    @Override
    public Optional<ModelVersion> version(String model, int version) {
        if (version <= 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(ModelJson.modelVersion(Files.readAllBytes(versionDir(model, version).resolve(RECORD))));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized ModelVersion create(ModelDescriptor descriptor, byte[] artifact, long now) {
        int number = versionNumbers(descriptor.name()).stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
        ModelVersion created = new ModelVersion(descriptor.withVersion(number), ModelStatus.PENDING, "", "",
                artifact.length, now, now);
        Path dir = versionDir(descriptor.name(), number);
        try {
            Files.createDirectories(dir);
            writeAtomically(dir.resolve(ARTIFACT), artifact);
            writeAtomically(dir.resolve(RECORD), ModelJson.encode(created));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store " + descriptor.name() + "/" + number, e);
        }
        return created;
    }

    @Override
    public synchronized void update(ModelVersion version) {
        ModelVersion existing = version(version.name(), version.version())
                .orElseThrow(() -> new NoSuchElementException("no version " + version.name() + "/" + version.version()));
        if (!existing.descriptor().equals(version.descriptor())) {
            throw new IllegalArgumentException("a version's descriptor cannot change");
        }
        try {
            writeAtomically(versionDir(version.name(), version.version()).resolve(RECORD), ModelJson.encode(version));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public byte[] artifact(String model, int version) {
        if (version(model, version).isEmpty()) {
            throw new NoSuchElementException("no version " + model + "/" + version);
        }
        try {
            return Files.readAllBytes(versionDir(model, version).resolve(ARTIFACT));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Aliases aliases(String model) {
        try {
            return ModelJson.decode(Files.readAllBytes(modelDir(model).resolve(ALIASES)), Aliases.class);
        } catch (NoSuchFileException e) {
            return Aliases.NONE;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void putAliases(String model, Aliases aliases) {
        if (versionNumbers(model).isEmpty()) {
            throw new NoSuchElementException("no model " + model);
        }
        try {
            writeAtomically(modelDir(model).resolve(ALIASES), ModelJson.encode(aliases));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<Integer> versionNumbers(String model) {
        Path dir = modelDir(model);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Integer> numbers = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (name.matches("[1-9][0-9]{0,8}") && Files.exists(entry.resolve(RECORD))) {
                    numbers.add(Integer.parseInt(name));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        numbers.sort(null);
        return numbers;
    }

    private Path modelDir(String model) {
        return inside(models.resolve(ModelContracts.requireModelName(model)));
    }

    private Path versionDir(String model, int version) {
        if (version <= 0) {
            throw new IllegalArgumentException("version must be >= 1, was " + version);
        }
        return inside(modelDir(model).resolve(Integer.toString(version)));
    }

    /** Second line of defence behind the name rules: nothing resolves outside the store. */
    private Path inside(Path path) {
        Path normalized = path.normalize();
        if (!normalized.startsWith(models)) {
            throw new IllegalArgumentException("path escapes the store: " + path);
        }
        return normalized;
    }

    private void deleteTemporaryFiles() throws IOException {
        try (Stream<Path> files = Files.walk(models)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (file.getFileName().toString().endsWith(TEMP_SUFFIX) && Files.isRegularFile(file)) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    /** Temp file, fsync, atomic rename, fsync of the directory: the file is old or new after any crash. */
    static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path temp = target.resolveSibling(target.getFileName() + "." + UUID.randomUUID() + TEMP_SUFFIX);
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
        forceDirectory(target.getParent());
    }

    private static void forceDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException notSupported) {
            // Some file systems (and Windows) cannot open a directory for sync; the rename is still atomic.
        }
    }
}
