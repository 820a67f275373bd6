package dev.flywheel.registry.validation;

import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.models.ModelJson;
import dev.flywheel.registry.api.Sha256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Decides whether a model version may serve. Cheap checks (size, checksum, feature names,
 * descriptor consistency) run here; everything that touches ONNX Runtime runs in a child JVM
 * with a heap cap and a timeout, so a crash, a hang or a memory blow-up rejects the model and
 * leaves the registry running. Each validation costs one JVM start (about a second).
 */
public final class ModelValidator {

    /**
     * @param maxArtifactBytes largest artifact accepted
     * @param timeout          how long the child may take, JVM start included
     * @param childHeap        the child's -Xmx, e.g. "256m"
     * @param crashMarker      test hook: when set, the child halts abnormally on any artifact whose
     *                         bytes contain it, so tests can prove a validator crash rejects only
     *                         that model. Null in production.
     */
    public record Settings(long maxArtifactBytes, Duration timeout, String childHeap, String crashMarker) {
        public static final long DEFAULT_MAX_ARTIFACT_BYTES = 64L * 1024 * 1024;

        public Settings {
            if (maxArtifactBytes <= 0) {
                throw new IllegalArgumentException("max artifact bytes must be > 0");
            }
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(childHeap, "childHeap");
        }

        public static Settings defaults() {
            return new Settings(DEFAULT_MAX_ARTIFACT_BYTES, Duration.ofSeconds(60), "512m", null);
        }
    }

    /** Each child can take its full heap; two at a time keeps a burst of registrations from exhausting the host. */
    private static final int MAX_CONCURRENT_CHILDREN = 2;

    private final Settings settings;
    private final Predicate<String> knownFeature;
    private final Semaphore childSlots = new Semaphore(MAX_CONCURRENT_CHILDREN, true);

    /** @param knownFeature whether the feature spec can supply a feature of this name */
    public ModelValidator(Settings settings, Predicate<String> knownFeature) {
        this.settings = settings;
        this.knownFeature = knownFeature;
    }

    public ValidationResult validate(ModelDescriptor descriptor, byte[] artifact) {
        ValidationResult cheap = cheapChecks(descriptor, artifact);
        return cheap.isAccepted() ? inChildProcess(descriptor, artifact) : cheap;
    }

    /** Checks that need no ONNX Runtime, in the order an operator would want to hear about them. */
    ValidationResult cheapChecks(ModelDescriptor descriptor, byte[] artifact) {
        if (artifact.length == 0) {
            return ValidationResult.rejected(RejectReason.EMPTY_ARTIFACT, "the artifact has 0 bytes");
        }
        if (artifact.length > settings.maxArtifactBytes()) {
            return ValidationResult.rejected(RejectReason.TOO_LARGE, artifact.length + " bytes, limit "
                    + settings.maxArtifactBytes());
        }
        String actual = Sha256.hex(artifact);
        if (!actual.equals(descriptor.sha256())) {
            return ValidationResult.rejected(RejectReason.SHA256_MISMATCH, "bytes hash to " + actual
                    + ", descriptor says " + descriptor.sha256());
        }
        List<String> unknown = descriptor.inputs().stream().filter(knownFeature.negate()).toList();
        if (!unknown.isEmpty()) {
            return ValidationResult.rejected(RejectReason.UNKNOWN_FEATURE, "the feature spec cannot supply " + unknown);
        }
        int width = descriptor.inputs().size();
        for (List<Double> row : descriptor.reference().sampleRows()) {
            if (row.size() != width || row.stream().anyMatch(v -> v == null || !Double.isFinite(v))) {
                return ValidationResult.rejected(RejectReason.INVALID_DESCRIPTOR, "sample rows need " + width
                        + " finite values each, got " + row);
            }
        }
        List<String> unbinned = descriptor.reference().featureBins().keySet().stream()
                .filter(name -> !descriptor.inputs().contains(name)).toList();
        if (!unbinned.isEmpty()) {
            return ValidationResult.rejected(RejectReason.INVALID_DESCRIPTOR, "feature bins for features that are not inputs: " + unbinned);
        }
        return ValidationResult.accepted();
    }

    private ValidationResult inChildProcess(ModelDescriptor descriptor, byte[] artifact) {
        try {
            childSlots.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to validate", e);
        }
        try {
            return runChild(descriptor, artifact);
        } finally {
            childSlots.release();
        }
    }

    private ValidationResult runChild(ModelDescriptor descriptor, byte[] artifact) {
        Path work = null;
        try {
            work = Files.createTempDirectory("flywheel-validate-");
            Path model = Files.write(work.resolve("model.onnx"), artifact);
            Path descriptorFile = Files.write(work.resolve("descriptor.json"), ModelJson.encode(descriptor));
            Path stdout = work.resolve("stdout");
            Path stderr = work.resolve("stderr");
            Process process = new ProcessBuilder(command(model, descriptorFile))
                    .redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile())
                    .start();
            if (!process.waitFor(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                return ValidationResult.rejected(RejectReason.VALIDATOR_TIMEOUT, "no verdict within " + settings.timeout());
            }
            String output = Files.readString(stdout, StandardCharsets.UTF_8).strip();
            String lastLine = output.isEmpty() ? "" : output.substring(output.lastIndexOf('\n') + 1);
            if (process.exitValue() != 0 || !lastLine.startsWith("{")) {
                return ValidationResult.rejected(RejectReason.VALIDATOR_CRASHED, "validator exited with status "
                        + process.exitValue() + lastErrorLine(stderr));
            }
            return ModelJson.decode(lastLine.getBytes(StandardCharsets.UTF_8), ValidationResult.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run the validator process", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while validating", e);
        } finally {
            deleteQuietly(work);
        }
    }

    private List<String> command(Path model, Path descriptorFile) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + settings.childHeap(),
                // A short-lived JVM: skip the optimising compiler and the parallel collector's threads.
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData",
                "-cp", System.getProperty("java.class.path"),
                ValidatorProcess.class.getName(),
                model.toString(), descriptorFile.toString()));
        if (settings.crashMarker() != null) {
            command.add(settings.crashMarker());
        }
        return command;
    }

    private static String lastErrorLine(Path stderr) throws IOException {
        List<String> lines = Files.readAllLines(stderr, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
        return lines.isEmpty() ? "" : ": " + OnnxCheck.firstLine(lines.get(lines.size() - 1));
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // A leftover temp directory is harmless; the verdict matters more.
        }
    }
}
