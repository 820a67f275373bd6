package dev.flywheel.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.events.Topics;
import dev.flywheel.jobs.analytics.AnalyticsConfig;
import dev.flywheel.jobs.monitor.MonitorConfig;
import dev.flywheel.jobs.scoring.ScoringConfig;
import dev.flywheel.registry.cli.RegistryCommand;
import dev.flywheel.retrain.RetrainRequest;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

/**
 * docker/docker-compose.yml against the code: image versions against the build's, ports against the
 * services' defaults and the metrics contract, and the topics the kafka-topics service creates (the
 * broker does not auto-create them) against the topics the jobs use with the options the compose
 * file gives them, parsed by the jobs' own option parsers.
 */
class ComposeFileTest {
    private static final Pattern CREATE = Pattern.compile("^\\s*create (\\S+)(.*)$", Pattern.MULTILINE);

    private static Path docker;
    private static JsonNode services;
    private static AnalyticsConfig analytics;
    private static ScoringConfig scoring;
    private static MonitorConfig monitor;

    @BeforeAll
    static void read() throws IOException {
        docker = Path.of(System.getProperty("flywheel.repository")).resolve("docker");
        // SnakeYAML (under Jackson's YAML module) resolves the file's anchors and aliases, as Compose does.
        Object compose = new Yaml().load(Files.readString(docker.resolve("docker-compose.yml")));
        services = new ObjectMapper().valueToTree(compose).path("services");
        analytics = AnalyticsConfig.fromArgs(jobArguments("analytics"));
        scoring = ScoringConfig.fromArgs(jobArguments("scoring"));
        monitor = MonitorConfig.fromArgs(jobArguments("monitor"));
    }

    private static String[] jobArguments(String job) {
        return JobConfigFile.arguments(docker.resolve("jobs/conf/" + job + ".properties")).toArray(String[]::new);
    }

    @Test
    void runsEveryServiceOfTheDeployment() {
        List<String> names = new ArrayList<>();
        services.fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactlyInAnyOrder("kafka", "kafka-topics", "pulsar", "jobmanager", "taskmanager",
                "submit", "registry", "release-controller", "trainer", "simulator", "prometheus", "grafana");
    }

    @Test
    void imagesMatchTheVersionsTheBuildTestsWith() throws IOException {
        String kafka = "apache/kafka:" + System.getProperty("flywheel.kafka.version");
        assertThat(image("kafka")).isEqualTo(kafka);
        assertThat(image("kafka-topics")).isEqualTo(kafka);
        assertThat(image("pulsar")).isEqualTo("apachepulsar/pulsar:" + System.getProperty("flywheel.pulsar.version"));

        assertThat(Files.readAllLines(docker.resolve("jobs/Dockerfile")))
                .filteredOn(line -> line.startsWith("FROM "))
                .containsExactly("FROM flink:" + System.getProperty("flywheel.flink.version") + "-java17");
        for (String flink : List.of("jobmanager", "taskmanager", "submit")) {
            assertThat(image(flink)).as(flink).isEqualTo(image("jobmanager"));
            assertThat(services.path(flink).path("build").path("context").asText()).as(flink).isEqualTo("./jobs");
        }
        assertThat(services.path("registry").path("build").path("context").asText()).isEqualTo("./registry");
        assertThat(services.path("trainer").path("build").path("context").asText()).isEqualTo("./trainer");
    }

    @Test
    void portsMatchTheServicesDefaultsAndTheMetricsContract() {
        assertThat(ports("jobmanager")).contains("8081:8081");
        Map<String, String> flink = flinkProperties();
        assertThat(flink).doesNotContainKey("rest.port");
        assertThat(flink).containsEntry("metrics.reporter.prom.factory.class",
                "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        assertThat(flink).containsEntry("metrics.reporter.prom.port", "9249");

        String registryPort = new CommandLine(new RegistryCommand()).getSubcommands().get("serve").getCommandSpec()
                .findOption("--port").defaultValue();
        List<String> registryCommand = strings(services.path("registry").path("command"));
        assertThat(registryCommand.get(registryCommand.indexOf("--port") + 1)).isEqualTo(registryPort);
        assertThat(ports("registry")).contains(registryPort + ":" + registryPort);
        String registryUrl = "http://registry:" + registryPort;
        assertThat(registryCommand.get(registryCommand.indexOf("--public-url") + 1)).isEqualTo(registryUrl);
        assertThat(scoring.registry().toString()).isEqualTo(registryUrl);
        assertThat(monitor.registry().toString()).isEqualTo(registryUrl);
        assertThat(environment("trainer").get("FLYWHEEL_REGISTRY_URL")).isEqualTo(registryUrl);

        assertThat(environment("trainer").get("FLYWHEEL_METRICS_PORT")).isEqualTo("9400");
        assertThat(ports("pulsar")).contains("6650:6650");
        assertThat(monitor.pulsar()).isEqualTo("pulsar://pulsar:6650");
        assertThat(environment("trainer").get("FLYWHEEL_PULSAR_URL")).isEqualTo(monitor.pulsar());
    }

    @Test
    void everyoneReachesKafkaOnItsInternalListener() {
        Map<String, String> kafka = environment("kafka");
        assertThat(kafka.get("KAFKA_ADVERTISED_LISTENERS")).contains("PLAINTEXT://kafka:9092");
        assertThat(kafka.get("KAFKA_AUTO_CREATE_TOPICS_ENABLE")).isEqualTo("false");
        String bootstrap = "kafka:9092";
        assertThat(analytics.job().kafka().bootstrapServers()).isEqualTo(bootstrap);
        assertThat(scoring.job().kafka().bootstrapServers()).isEqualTo(bootstrap);
        assertThat(monitor.job().kafka().bootstrapServers()).isEqualTo(bootstrap);
        List<String> registry = strings(services.path("registry").path("command"));
        assertThat(registry.get(registry.indexOf("--kafka") + 1)).isEqualTo(bootstrap);
        assertThat(environment("trainer").get("FLYWHEEL_KAFKA_BOOTSTRAP")).isEqualTo(bootstrap);
        List<String> simulator = strings(services.path("simulator").path("command"));
        assertThat(simulator.get(simulator.indexOf("--bootstrap") + 1)).isEqualTo(bootstrap);
        assertThat(services.path("kafka-topics").path("entrypoint").toString()).contains("--bootstrap-server kafka:9092");
    }

    @Test
    void theTopicsTheJobsUseAreCreatedAndAreTheCodesTopics() throws IllegalAccessException {
        Map<String, String> created = createdTopics();
        Set<String> used = new LinkedHashSet<>();
        used.addAll(List.of(analytics.job().clickstreamTopic(), analytics.job().deadLetterTopic(),
                analytics.job().lateTopic(), analytics.analyticsTopic()));
        used.addAll(List.of(scoring.job().clickstreamTopic(), scoring.job().deadLetterTopic(),
                scoring.job().lateTopic(), scoring.modelUpdatesTopic(), scoring.decisionsTopic(), scoring.outcomesTopic()));
        if (scoring.featuresTopic() != null) {
            used.add(scoring.featuresTopic());
        }
        used.addAll(List.of(monitor.decisionsTopic(), monitor.outcomesTopic(), monitor.modelUpdatesTopic(),
                monitor.modelHealthTopic()));
        if (monitor.pulsar() == null) {
            used.add(monitor.retrainTopic());
        }
        // The registry publishes every serving config to model-updates.
        used.add(Topics.MODEL_UPDATES);
        assertThat(created.keySet()).containsAll(used);

        Set<String> codeTopics = new LinkedHashSet<>();
        for (Field field : Topics.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
                codeTopics.add((String) field.get(null));
            }
        }
        assertThat(codeTopics).containsAll(created.keySet());
        assertThat(created.get(Topics.MODEL_UPDATES)).contains("cleanup.policy=compact");
        // The clickstream's partitions are the parallelism its consumers can use.
        assertThat(created.get(Topics.CLICKSTREAM)).contains("--partitions 4");
        // Retrain requests go over Pulsar to the topic the trainer's workers take them from by default.
        assertThat(monitor.retrainPulsarTopic()).isEqualTo(RetrainRequest.TOPIC);
    }

    @Test
    void everyScrapeTargetIsAServiceOfTheDeployment() throws IOException {
        JsonNode scrape = new ObjectMapper().valueToTree(
                new Yaml().load(Files.readString(docker.resolve("prometheus/prometheus.yml")))).path("scrape_configs");
        List<String> targets = new ArrayList<>();
        scrape.forEach(job -> job.path("static_configs").forEach(
                config -> config.path("targets").forEach(target -> targets.add(target.asText()))));
        assertThat(targets).isNotEmpty();
        for (String target : targets) {
            String service = target.substring(0, target.indexOf(':'));
            assertThat(services.has(service)).as("scrape target %s names a compose service", target).isTrue();
        }
        assertThat(targets).contains("jobmanager:9249", "taskmanager:9249", "registry:8095", "trainer:9400",
                "release-controller:9401");
        assertThat(strings(services.path("release-controller").path("command")))
                .containsSubsequence("--metrics-port", "9401");
    }

    @Test
    void prometheusAndGrafanaMountTheMetricsFilesWhereTheyAreRead() {
        assertThat(bindMounts("prometheus")).containsEntry("./prometheus/prometheus.yml", "/etc/prometheus/prometheus.yml")
                .containsEntry("./prometheus/alerts.yml", "/etc/prometheus/alerts.yml");
        assertThat(bindMounts("grafana"))
                .containsEntry("./grafana/provisioning/datasources/prometheus.yml",
                        "/etc/grafana/provisioning/datasources/prometheus.yml")
                .containsEntry("./grafana/provisioning/dashboards/flywheel.yml",
                        "/etc/grafana/provisioning/dashboards/flywheel.yml")
                .containsEntry("./grafana/dashboards", "/var/lib/grafana/dashboards");
    }

    private static String image(String service) {
        return services.path(service).path("image").asText();
    }

    private static List<String> ports(String service) {
        return strings(services.path(service).path("ports"));
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(node -> values.add(node.asText()));
        return values;
    }

    private static Map<String, String> environment(String service) {
        Map<String, String> environment = new HashMap<>();
        services.path(service).path("environment").fields()
                .forEachRemaining(e -> environment.put(e.getKey(), e.getValue().asText()));
        return environment;
    }

    private static Map<String, String> flinkProperties() {
        Map<String, String> properties = new HashMap<>();
        for (String line : environment("jobmanager").get("FLINK_PROPERTIES").split("\n")) {
            // The Flink image's entrypoint takes every line as key: value, comments included.
            assertThat(line).as("a FLINK_PROPERTIES line").matches("[a-zA-Z][a-zA-Z0-9.-]*: \\S.*");
            int colon = line.indexOf(": ");
            properties.put(line.substring(0, colon), line.substring(colon + 2).trim());
        }
        assertThat(environment("taskmanager").get("FLINK_PROPERTIES"))
                .isEqualTo(environment("jobmanager").get("FLINK_PROPERTIES"));
        return properties;
    }

    /** Topic name to the rest of its {@code create} line in the kafka-topics service's script. */
    private static Map<String, String> createdTopics() {
        Map<String, String> topics = new HashMap<>();
        Matcher matcher = CREATE.matcher(strings(services.path("kafka-topics").path("entrypoint")).get(2));
        while (matcher.find()) {
            topics.put(matcher.group(1), matcher.group(2));
        }
        return topics;
    }

    private static Map<String, String> bindMounts(String service) {
        Map<String, String> mounts = new HashMap<>();
        for (JsonNode volume : services.path(service).path("volumes")) {
            if ("bind".equals(volume.path("type").asText())) {
                mounts.put(volume.path("source").asText(), volume.path("target").asText());
            }
        }
        return mounts;
    }
}
