package dev.flywheel.registry.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.models.ModelStatus;
import dev.flywheel.models.ModelVersion;
import dev.flywheel.registry.testing.Descriptors;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What every {@link ModelStore} must do. A new implementation gets a subclass that says how to
 * make an empty store; it passes when every test here does.
 */
public abstract class ModelStoreContract {
    protected ModelStore store;

    /** An empty store. */
    protected abstract ModelStore newStore();

    @BeforeEach
    void createStore() {
        store = newStore();
    }

    static ModelDescriptor descriptor(String model, byte[] artifact) {
        return Descriptors.forArtifact(model, artifact);
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void anEmptyStoreHasNothing() {
        assertThat(store.modelNames()).isEmpty();
        assertThat(store.versions("m")).isEmpty();
        assertThat(store.version("m", 1)).isEmpty();
        assertThat(store.aliases("m")).isEqualTo(Aliases.NONE);
    }

    @Test
    void versionsAreNumberedFromOnePerModelAndStoredPending() {
        ModelVersion a1 = store.create(descriptor("a", bytes("a1")), bytes("a1"), 100);
        ModelVersion a2 = store.create(descriptor("a", bytes("a2")), bytes("a2"), 200);
        ModelVersion b1 = store.create(descriptor("b", bytes("b1")), bytes("b1"), 300);
        assertThat(List.of(a1.version(), a2.version(), b1.version())).containsExactly(1, 2, 1);
        assertThat(a2.status()).isEqualTo(ModelStatus.PENDING);
        assertThat(a2.sizeBytes()).isEqualTo(2);
        assertThat(a2.registeredAt()).isEqualTo(200);
        assertThat(store.modelNames()).containsExactly("a", "b");
        assertThat(store.versions("a")).extracting(ModelVersion::version).containsExactly(1, 2);
        assertThat(store.version("a", 2)).contains(a2);
        assertThat(store.version("a", 3)).isEmpty();
    }

    @Test
    void theAssignedVersionReplacesTheDescriptorsVersion() {
        ModelVersion created = store.create(descriptor("a", bytes("x")).withVersion(42), bytes("x"), 1);
        assertThat(created.version()).isEqualTo(1);
        assertThat(store.version("a", 1).orElseThrow().descriptor().version()).isEqualTo(1);
    }

    @Test
    void artifactsComeBackByteForByteAndCannotBeChangedThroughACopy() {
        byte[] artifact = new byte[70_000];
        for (int i = 0; i < artifact.length; i++) {
            artifact[i] = (byte) (i * 31);
        }
        store.create(descriptor("a", artifact), artifact, 1);
        artifact[0] = 99;
        byte[] read = store.artifact("a", 1);
        assertThat(read[0]).isEqualTo((byte) 0);
        read[1] = 99;
        assertThat(store.artifact("a", 1)[1]).isEqualTo((byte) 31);
        assertThat(store.artifact("a", 1)).hasSize(70_000);
    }

    @Test
    void statusUpdatesAreStoredButTheDescriptorIsFixed() {
        ModelVersion created = store.create(descriptor("a", bytes("x")), bytes("x"), 1);
        ModelVersion rejected = created.withStatus(ModelStatus.REJECTED, "INVALID_ONNX", "bad bytes", 5);
        store.update(rejected);
        assertThat(store.version("a", 1)).contains(rejected);
        ModelVersion otherDescriptor = new ModelVersion(descriptor("a", bytes("y")).withVersion(1), ModelStatus.READY,
                "", "", 1, 1, 1);
        assertThatThrownBy(() -> store.update(otherDescriptor)).isInstanceOf(IllegalArgumentException.class);
        ModelVersion missing = new ModelVersion(descriptor("a", bytes("x")).withVersion(9), ModelStatus.READY, "", "", 1, 1, 1);
        assertThatThrownBy(() -> store.update(missing)).isInstanceOf(NoSuchElementException.class);
    }

    @Test
    void aliasesAreStoredPerModel() {
        store.create(descriptor("a", bytes("x")), bytes("x"), 1);
        store.create(descriptor("a", bytes("y")), bytes("y"), 1);
        Aliases aliases = new Aliases(2, 1, 0, 0.25, 0, List.of(1), 7, 70);
        store.putAliases("a", aliases);
        assertThat(store.aliases("a")).isEqualTo(aliases);
        assertThat(store.aliases("b")).isEqualTo(Aliases.NONE);
        assertThatThrownBy(() -> store.putAliases("b", aliases)).isInstanceOf(NoSuchElementException.class);
    }

    @Test
    void missingArtifactsAreNoSuchElement() {
        assertThatThrownBy(() -> store.artifact("a", 1)).isInstanceOf(NoSuchElementException.class);
    }

    static List<String> escapingNames() {
        return TraversalPayloads.ALL;
    }

    @ParameterizedTest
    @MethodSource("escapingNames")
    void namesThatCouldEscapeTheStoreAreRefusedByEveryOperation(String name) {
        assertThatThrownBy(() -> store.versions(name)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.version(name, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.artifact(name, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.aliases(name)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.putAliases(name, Aliases.NONE)).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.modelNames()).isEmpty();
    }

    @Test
    void concurrentRegistrationsGetDistinctVersions() throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        Set<Integer> numbers = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < 40; i++) {
            byte[] artifact = bytes("v" + i);
            pool.execute(() -> numbers.add(store.create(descriptor("a", artifact), artifact, 1).version()));
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        assertThat(numbers).hasSize(40).contains(1, 40);
        assertThat(store.versions("a")).hasSize(40);
    }
}
