package dev.flywheel.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.flywheel.features.FeatureSpec;
import dev.flywheel.models.ModelStatus;
import dev.flywheel.models.ServingConfig;
import dev.flywheel.registry.api.AliasUpdate;
import dev.flywheel.registry.changes.ChangePublisher;
import dev.flywheel.registry.metrics.RegistryMetrics;
import dev.flywheel.registry.store.InMemoryModelStore;
import dev.flywheel.registry.testing.Descriptors;
import dev.flywheel.registry.testing.TestRegistry;
import dev.flywheel.registry.validation.ModelValidator;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A change whose announcement fails stays stored, and the next announcement carries it. */
class PublishFailureTest {

    /** Records what was published; fails while {@code down} is set, as a broker outage would. */
    static final class FlakyPublisher implements ChangePublisher {
        final List<ServingConfig> published = new ArrayList<>();
        boolean down;

        @Override
        public void publish(ServingConfig config) {
            if (down) {
                throw new IllegalStateException("broker unavailable");
            }
            published.add(config);
        }
    }

    @Test
    void theNextChangeRepublishesTheCompleteState() {
        InMemoryModelStore store = new InMemoryModelStore();
        FlakyPublisher publisher = new FlakyPublisher();
        ModelRegistry registry = new ModelRegistry(store, new ModelValidator(TestRegistry.validation(), FeatureSpec.current()::has),
                publisher, new RegistryMetrics(store), "http://registry", Clock.systemUTC());
        String m = Descriptors.MODEL;
        for (int seed = 1; seed <= 2; seed++) {
            byte[] artifact = Descriptors.goodModel(seed);
            assertThat(registry.register(Descriptors.forArtifact(artifact), artifact).status()).isEqualTo(ModelStatus.READY);
        }
        assertThat(publisher.published).hasSize(2);

        publisher.down = true;
        RegistryException failed = catchThrowableOfType(RegistryException.class,
                () -> registry.setAliases(m, new AliasUpdate(1, 2, 0, 0.3, 0)));
        assertThat(failed.status()).isEqualTo(503);
        assertThat(failed.code()).isEqualTo("PUBLISH_FAILED");
        assertThat(registry.servingConfig(m).variant("challenger").orElseThrow().trafficShare())
                .as("the change is stored even though it was not announced").isEqualTo(0.3);
        assertThat(publisher.published).hasSize(2);

        publisher.down = false;
        ServingConfig next = registry.setAliases(m, new AliasUpdate(1, 2, 0, 0.4, 0));
        ServingConfig last = publisher.published.get(publisher.published.size() - 1);
        assertThat(last).isEqualTo(next);
        assertThat(last.revision()).isEqualTo(4);
        assertThat(last.variant("challenger").orElseThrow().version()).isEqualTo(2);

        publisher.down = true;
        catchThrowableOfType(RegistryException.class, () -> registry.promote(m, 0));
        publisher.down = false;
        registry.recover();
        ServingConfig afterRestart = publisher.published.get(publisher.published.size() - 1);
        assertThat(afterRestart.variant("champion").orElseThrow().version()).as("recover() announces the stored state").isEqualTo(2);
        assertThat(afterRestart.variant("challenger")).isEmpty();
        assertThat(afterRestart).isEqualTo(registry.servingConfig(m));
    }
}
