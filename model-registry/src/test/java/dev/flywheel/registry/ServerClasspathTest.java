package dev.flywheel.registry;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The other half of registry-client's {@code ClientClasspathTest}: every class that test asserts
 * absent from the client's classpath loads here, so none of its names is a typo that passes by
 * not existing anywhere. Keep the two lists equal.
 */
class ServerClasspathTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "ai.onnxruntime.OrtEnvironment",
            "dev.flywheel.registry.cli.RegistryCommand",
            "dev.flywheel.registry.RegistryService",
            "dev.flywheel.registry.http.RegistryHttpServer",
            "dev.flywheel.registry.validation.ModelValidator",
            "org.apache.kafka.clients.producer.KafkaProducer",
            "io.prometheus.metrics.core.metrics.Counter",
            "dev.flywheel.http.HardenedHttpServer",
            "org.eclipse.jetty.server.Server",
            "picocli.CommandLine",
    })
    void theClassesTheClientMustNotSeeExistOnTheServerClasspath(String className) throws ClassNotFoundException {
        assertThat(Class.forName(className, false, getClass().getClassLoader()).getName()).isEqualTo(className);
    }
}
