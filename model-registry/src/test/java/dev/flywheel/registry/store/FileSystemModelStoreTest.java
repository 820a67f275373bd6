package dev.flywheel.registry.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.models.ModelStatus;
import dev.flywheel.models.ModelVersion;
import dev.flywheel.registry.api.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract, plus what only a durable store can promise: restarts and crashes. */
class FileSystemModelStoreTest extends ModelStoreContract {
    @TempDir
    Path dir;

    @Override
    protected ModelStore newStore() {
        return FileSystemModelStore.open(dir);
    }

    @Test
    void aReopenedStoreHasTheSameState() {
        store.create(descriptor("a", bytes("x")), bytes("x"), 1);
        ModelVersion second = store.create(descriptor("a", bytes("y")), bytes("y"), 2);
        store.update(second.withStatus(ModelStatus.READY, "", "", 3));
        Aliases aliases = new Aliases(2, 0, 0, 0, 0, List.of(1), 4, 40);
        store.putAliases("a", aliases);

        ModelStore reopened = FileSystemModelStore.open(dir);
        assertThat(reopened.modelNames()).containsExactly("a");
        assertThat(reopened.versions("a")).isEqualTo(store.versions("a"));
        assertThat(reopened.version("a", 2).orElseThrow().status()).isEqualTo(ModelStatus.READY);
        assertThat(reopened.aliases("a")).isEqualTo(aliases);
        assertThat(reopened.artifact("a", 2)).isEqualTo(bytes("y"));
    }

    @Test
    void halfWrittenTemporaryFilesAreIgnoredAndCleanedOnOpen() throws IOException {
        store.create(descriptor("a", bytes("x")), bytes("x"), 1);
        Aliases aliases = new Aliases(1, 0, 0, 0, 0, List.of(), 1, 10);
        store.putAliases("a", aliases);
        Path versionDir = dir.resolve("models/a/1");
        // What a crash in the middle of writeAtomically leaves: truncated temp files next to the real ones.
        Files.writeString(versionDir.resolve("version.json.123" + FileSystemModelStore.TEMP_SUFFIX), "{\"descriptor\":{\"na");
        Files.writeString(dir.resolve("models/a/aliases.json.456" + FileSystemModelStore.TEMP_SUFFIX), "{\"champ");

        ModelStore reopened = FileSystemModelStore.open(dir);
        assertThat(reopened.versions("a")).isEqualTo(store.versions("a"));
        assertThat(reopened.aliases("a")).isEqualTo(aliases);
        assertThat(temporaryFiles()).isEmpty();
    }

    @Test
    void aVersionWhoseRecordWasNeverWrittenDoesNotExistAndItsNumberIsReused() throws IOException {
        store.create(descriptor("a", bytes("x")), bytes("x"), 1);
        // Crash after the artifact of version 2 landed but before its record did.
        Files.createDirectories(dir.resolve("models/a/2"));
        Files.write(dir.resolve("models/a/2/model.onnx"), bytes("half"));

        ModelStore reopened = FileSystemModelStore.open(dir);
        assertThat(reopened.versions("a")).extracting(ModelVersion::version).containsExactly(1);
        ModelVersion next = reopened.create(descriptor("a", bytes("z")), bytes("z"), 5);
        assertThat(next.version()).isEqualTo(2);
        assertThat(reopened.artifact("a", 2)).isEqualTo(bytes("z"));
    }

    @Test
    void aProcessKilledWhileWritingLeavesOnlyCompleteVersions() throws Exception {
        Path storeDir = dir.resolve("killed");
        Process writer = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                StoreWriterProcess.class.getName(), storeDir.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("writer.log").toFile()).start();
        // Wait until it has written a few versions, then kill it without warning (SIGKILL).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (countVersionDirs(storeDir) < 5 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        writer.destroyForcibly().waitFor();
        assertThat(countVersionDirs(storeDir)).as("versions written before the kill").isGreaterThanOrEqualTo(5);

        ModelStore reopened = FileSystemModelStore.open(storeDir);
        List<ModelVersion> versions = reopened.versions(StoreWriterProcess.MODEL);
        assertThat(versions).isNotEmpty();
        for (ModelVersion version : versions) {
            byte[] artifact = reopened.artifact(version.name(), version.version());
            assertThat(Sha256.hex(artifact)).as("artifact of version %d", version.version())
                    .isEqualTo(version.descriptor().sha256());
            assertThat(artifact).hasSize(StoreWriterProcess.ARTIFACT_BYTES);
        }
        ModelVersion next = reopened.create(descriptor(StoreWriterProcess.MODEL, bytes("after")), bytes("after"), 1);
        assertThat(next.version()).isGreaterThan(versions.get(versions.size() - 1).version());
    }

    private long countVersionDirs(Path storeDir) throws IOException {
        Path model = storeDir.resolve("models").resolve(StoreWriterProcess.MODEL);
        if (!Files.isDirectory(model)) {
            return 0;
        }
        try (Stream<Path> entries = Files.list(model)) {
            return entries.filter(Files::isDirectory).count();
        }
    }

    private List<Path> temporaryFiles() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.toString().endsWith(FileSystemModelStore.TEMP_SUFFIX)).toList();
        }
    }
}
