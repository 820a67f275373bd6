package dev.flywheel.registry.store;

import dev.flywheel.models.ModelStatus;
import dev.flywheel.models.ModelVersion;
import dev.flywheel.registry.testing.Descriptors;
import java.nio.file.Path;
import java.util.Random;

/** Child process for the kill test: registers large versions and flips their status, forever. */
public final class StoreWriterProcess {
    static final String MODEL = "crash-test";
    static final int ARTIFACT_BYTES = 2 * 1024 * 1024;

    private StoreWriterProcess() {
    }

    public static void main(String[] args) {
        ModelStore store = FileSystemModelStore.open(Path.of(args[0]));
        Random random = new Random(7);
        for (long i = 0; ; i++) {
            byte[] artifact = new byte[ARTIFACT_BYTES];
            random.nextBytes(artifact);
            ModelVersion version = store.create(Descriptors.forArtifact(MODEL, artifact), artifact, i);
            store.update(version.withStatus(ModelStatus.READY, "", "", i));
        }
    }
}
