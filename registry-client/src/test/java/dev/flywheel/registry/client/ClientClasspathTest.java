package dev.flywheel.registry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The reason this module exists: a Flink job or the trainer that depends on it gets the client and
 * the API records, and none of the registry server, its ONNX Runtime validator, its Kafka publisher
 * or its metrics stack. The test classpath is the module's runtime classpath plus JUnit and AssertJ,
 * so a dependency that drags any of them in (flywheel-model-registry, onnxruntime, ...) fails here.
 *
 * <p>A misspelt name would pass vacuously; {@code ServerClasspathTest} in model-registry loads the
 * same names there to prove each one is real.
 */
class ClientClasspathTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "ai.onnxruntime.OrtEnvironment",                        // the validator's native runtime
            "dev.flywheel.registry.cli.RegistryCommand",            // the server's main class
            "dev.flywheel.registry.RegistryService",
            "dev.flywheel.registry.http.RegistryHttpServer",
            "dev.flywheel.registry.validation.ModelValidator",
            "org.apache.kafka.clients.producer.KafkaProducer",      // the model-updates publisher
            "io.prometheus.metrics.core.metrics.Counter",           // the server's metrics
            "dev.flywheel.http.HardenedHttpServer",                 // the server's transport
            "org.eclipse.jetty.server.Server",
            "picocli.CommandLine",
    })
    void serverSideClassesAreNotOnTheClientClasspath(String className) {
        assertThatThrownBy(() -> Class.forName(className, false, getClass().getClassLoader()))
                .isInstanceOf(ClassNotFoundException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "dev.flywheel.registry.client.RegistryClient",
            "dev.flywheel.registry.api.Sha256",
            "dev.flywheel.models.ModelJson",
            "com.fasterxml.jackson.databind.ObjectMapper",
    })
    void whatTheClientNeedsIsThere(String className) throws ClassNotFoundException {
        // The same lookup succeeds for the client's own classes: the absences above are not an artefact of the loader.
        assertThat(Class.forName(className, false, getClass().getClassLoader()).getName()).isEqualTo(className);
    }
}
