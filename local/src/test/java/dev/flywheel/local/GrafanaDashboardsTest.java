package dev.flywheel.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Grafana does not run here, so what it would refuse or show empty is checked on the files: every
 * panel queries the provisioned data source by its uid, panel ids are unique, the dashboards sit
 * where the provider looks, and the rows the operators expect are there. That every query returns
 * data is {@link FlywheelLoopTest}'s, against a real Prometheus.
 */
class GrafanaDashboardsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyPanelQueriesTheProvisionedDataSourceAndTheRowsAreThere() throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent();
        Path grafana = root.resolve("docker/grafana");
        String datasources = Files.readString(grafana.resolve("provisioning/datasources/prometheus.yml"));
        String uid = single(Pattern.compile("(?m)^\\s*uid:\\s*(\\S+)\\s*$"), datasources);
        assertThat(single(Pattern.compile("(?m)^\\s*url:\\s*(\\S+)\\s*$"), datasources))
                .isEqualTo("http://prometheus:9090");
        String provider = Files.readString(grafana.resolve("provisioning/dashboards/flywheel.yml"));
        assertThat(single(Pattern.compile("(?m)^\\s*path:\\s*(\\S+)\\s*$"), provider))
                .isEqualTo("/var/lib/grafana/dashboards");

        List<Path> dashboards;
        try (Stream<Path> files = Files.list(grafana.resolve("dashboards"))) {
            dashboards = files.filter(f -> f.toString().endsWith(".json")).toList();
        }
        assertThat(dashboards).isNotEmpty();
        List<String> rows = new ArrayList<>();
        int queries = 0;
        for (Path file : dashboards) {
            JsonNode dashboard = JSON.readTree(file.toFile());
            assertThat(dashboard.path("uid").asText()).as(file.toString()).isNotBlank();
            Set<Integer> ids = new HashSet<>();
            for (JsonNode panel : dashboard.path("panels")) {
                assertThat(ids.add(panel.path("id").asInt())).as("panel id " + panel.path("id") + " repeats").isTrue();
                JsonNode grid = panel.path("gridPos");
                assertThat(grid.path("x").asInt() + grid.path("w").asInt()).as(panel.path("title").asText())
                        .isLessThanOrEqualTo(24);
                if ("row".equals(panel.path("type").asText())) {
                    rows.add(panel.path("title").asText());
                    continue;
                }
                assertThat(panel.path("datasource").path("uid").asText()).as(panel.path("title").asText()).isEqualTo(uid);
                assertThat(panel.path("targets")).as(panel.path("title").asText()).isNotEmpty();
                for (JsonNode target : panel.path("targets")) {
                    assertThat(target.path("datasource").path("uid").asText()).isEqualTo(uid);
                    assertThat(target.path("expr").asText()).as(panel.path("title").asText()).isNotBlank();
                    queries++;
                }
            }
        }
        assertThat(rows).containsExactly("Throughput and DLQ", "Latency and freshness", "Models and traffic",
                "Quality and drift", "The loop's history");
        assertThat(queries).isEqualTo(PrometheusCheck.dashboardExpressions(root).size());
    }

    private static String single(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        assertThat(matcher.find()).as(pattern.pattern()).isTrue();
        String value = matcher.group(1);
        assertThat(matcher.find()).as("more than one " + pattern.pattern()).isFalse();
        return value;
    }
}
