package dev.flywheel.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Scrapes a running loop with a real Prometheus and checks what operators will rely on: every
 * PromQL expression of the Grafana dashboards returns data, a number among it; every alert rule loads, evaluates
 * without error, and every series it reads exists; every metric of docs/metrics.md's table is
 * served under the name the table gives; and promtool's linter passes on our own metrics. What it
 * finds goes into {@link #failures()}; one sample of every documented metric into {@link #samples()}.
 */
final class PrometheusCheck implements FlywheelLoop.MetricsWatcher {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** After traffic ends, how long expressions still missing may take (a rate needs two scrapes): generous on a busy machine. */
    private static final Duration QUERY_DEADLINE = Duration.ofMinutes(3);
    private static final Duration TARGETS_DEADLINE = Duration.ofMinutes(1);
    private static final long POLL_MILLIS = 3_000;
    /** A metric name in an expression: ours and Flink's both start so; label matchers follow in braces. */
    private static final Pattern SELECTOR = Pattern.compile("\\b((?:flink|flywheel)_[A-Za-z0-9_]+)(\\{[^}]*})?");
    /** A row of docs/metrics.md's metrics table: the scraped name in backticks first, the source last. */
    private static final Pattern TABLE_ROW = Pattern.compile("^\\|\\s*`((?:flink|flywheel)_[a-zA-Z0-9_]*)`\\s*\\|(.*)\\|\\s*([^|]*?)\\s*\\|\\s*$");

    private final PrometheusServer.Binaries binaries;
    private final Path root;
    private final Path dir;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<String> failures = new ArrayList<>();
    private final Map<String, String> mustReturnData = new LinkedHashMap<>();
    private final Set<String> needANumber = new LinkedHashSet<>();
    /** Expressions that have not yet returned what they must; the poller and the end of traffic both work on it. */
    private final Map<String, String> pending = new ConcurrentHashMap<>();
    private final Map<String, JsonNode> lastAnswers = new ConcurrentHashMap<>();
    private volatile boolean stopPolling;
    private Thread poller;
    private final Map<String, String> samples = new LinkedHashMap<>();
    private PrometheusServer server;
    private int expressionsChecked;
    private int rulesChecked;
    private boolean ran;

    /**
     * @param root the repository's root (docker/ and docs/ are read from there)
     * @param dir  an empty directory for Prometheus's config, storage and log
     */
    PrometheusCheck(PrometheusServer.Binaries binaries, Path root, Path dir) {
        this.binaries = binaries;
        this.root = root;
        this.dir = dir;
    }

    static Path alertRules(Path root) {
        return root.resolve("docker/prometheus/alerts.yml");
    }

    @Override
    public void serving(FlywheelLoop.MetricsEndpoints endpoints) throws Exception {
        Map<String, URI> jobs = new LinkedHashMap<>();
        // The job names of docker/prometheus/prometheus.yml.
        jobs.put("flink", endpoints.flink());
        jobs.put("registry", endpoints.registry());
        jobs.put("trainer", endpoints.worker());
        jobs.put("release-controller", endpoints.releaseController());
        server = PrometheusServer.start(binaries, dir, jobs, alertRules(root));
        collectExpressions();
        // Gauges show the last window: the loop's last monitor window may have no outcomes, and a
        // panel shows the whole run. So each expression counts once it has returned data at any
        // moment of the run, asked every few seconds from here on.
        poller = new Thread(() -> {
            try {
                while (!stopPolling && !pending.isEmpty()) {
                    pollOnce();
                    Thread.sleep(POLL_MILLIS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                synchronized (failures) {
                    failures.add("polling Prometheus failed: " + e);
                }
            }
        }, "prometheus-check");
        poller.setDaemon(true);
        poller.start();
    }

    @Override
    public void trafficEnded(FlywheelLoop.MetricsEndpoints endpoints) throws Exception {
        ran = true;
        stopPolling = true;
        poller.join();
        try {
            awaitTargetsUp();
            checkDashboardsAndAlerts();
            checkDocumentedMetrics(endpoints);
        } catch (Exception e) {
            failures.add("the check itself failed: " + e);
        }
    }

    private void awaitTargetsUp() throws Exception {
        long deadline = System.nanoTime() + TARGETS_DEADLINE.toNanos();
        while (true) {
            List<String> down = new ArrayList<>();
            for (JsonNode target : server.targets().path("data").path("activeTargets")) {
                if (!"up".equals(target.path("health").asText())) {
                    down.add(target.path("scrapeUrl").asText() + " (" + target.path("health").asText() + ": "
                            + target.path("lastError").asText() + ")");
                }
            }
            if (down.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                failures.add("targets not up: " + down);
                return;
            }
            Thread.sleep(500);
        }
    }

    /** The dashboards' expressions, and the series each alert rule reads (its query, as Prometheus loaded it). */
    private void collectExpressions() throws Exception {
        // A panel whose every series is NaN draws nothing: dashboards need a number, alerts a series.
        needANumber.addAll(dashboardExpressions(root));
        for (String expression : needANumber) {
            mustReturnData.put(expression, "dashboard");
        }
        for (JsonNode group : server.rules().path("data").path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                // An alert that does not fire returns nothing; what it reads must exist.
                Matcher selector = SELECTOR.matcher(rule.path("query").asText());
                while (selector.find()) {
                    mustReturnData.putIfAbsent(selector.group(), "alert " + rule.path("name").asText());
                }
            }
        }
        pending.putAll(mustReturnData);
        expressionsChecked = mustReturnData.size();
    }

    private void pollOnce() throws Exception {
        for (String expression : List.copyOf(pending.keySet())) {
            JsonNode answer = server.query(expression);
            lastAnswers.put(expression, answer);
            if ("success".equals(answer.path("status").asText()) && !answer.path("data").path("result").isEmpty()
                    && (!needANumber.contains(expression) || anyFinite(answer.path("data").path("result")))) {
                pending.remove(expression);
            }
        }
    }

    private void checkDashboardsAndAlerts() throws Exception {
        long deadline = System.nanoTime() + QUERY_DEADLINE.toNanos();
        while (!pending.isEmpty() && System.nanoTime() < deadline) {
            pollOnce();
            if (!pending.isEmpty()) {
                Thread.sleep(1_000);
            }
        }
        pending.forEach((expression, where) -> failures.add(where + ": no data (or only NaN) during the run for "
                + expression + "; last answer " + lastAnswers.get(expression)));

        JsonNode groups = awaitRulesEvaluated();
        for (JsonNode group : groups) {
            for (JsonNode rule : group.path("rules")) {
                rulesChecked++;
                if (!"ok".equals(rule.path("health").asText())) {
                    failures.add("alert " + rule.path("name").asText() + " is " + rule.path("health").asText() + ": "
                            + rule.path("lastError").asText());
                }
                JsonNode answer = server.query(rule.path("query").asText());
                if (!"success".equals(answer.path("status").asText())) {
                    failures.add("alert expression failed: " + rule.path("query").asText() + " -> " + answer);
                }
            }
        }
        if (rulesChecked == 0) {
            failures.add("Prometheus loaded no alert rules from " + alertRules(root));
        }
    }

    private static boolean anyFinite(JsonNode vector) {
        for (JsonNode series : vector) {
            try {
                if (Double.isFinite(Double.parseDouble(series.path("value").path(1).asText()))) {
                    return true;
                }
            } catch (NumberFormatException e) {
                // "NaN", "+Inf" and the like parse; anything else is not a number either
            }
        }
        return false;
    }

    /** The rules once Prometheus has evaluated each at least once (health leaves "unknown"). */
    private JsonNode awaitRulesEvaluated() throws Exception {
        long deadline = System.nanoTime() + TARGETS_DEADLINE.toNanos();
        while (true) {
            JsonNode groups = server.rules().path("data").path("groups");
            boolean evaluated = true;
            for (JsonNode group : groups) {
                for (JsonNode rule : group.path("rules")) {
                    evaluated &= !"unknown".equals(rule.path("health").asText());
                }
            }
            if (evaluated || System.nanoTime() > deadline) {
                return groups;
            }
            Thread.sleep(500);
        }
    }

    /** Every target expression of every dashboard under docker/grafana/dashboards, rows' panels included. */
    static List<String> dashboardExpressions(Path root) throws IOException {
        List<String> expressions = new ArrayList<>();
        try (Stream<Path> files = Files.list(root.resolve("docker/grafana/dashboards"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                collectExpressions(JSON.readTree(file.toFile()).path("panels"), expressions);
            }
        }
        return expressions;
    }

    private static void collectExpressions(JsonNode panels, List<String> into) {
        for (JsonNode panel : panels) {
            for (JsonNode target : panel.path("targets")) {
                if (target.hasNonNull("expr")) {
                    into.add(target.path("expr").asText());
                }
            }
            collectExpressions(panel.path("panels"), into);
        }
    }

    /** A documented metric: its name as scraped and whether it is ours (not Flink's or its connector's). */
    record Documented(String name, boolean ours) {
    }

    static List<Documented> documentedMetrics(Path root) throws IOException {
        List<Documented> names = new ArrayList<>();
        for (String line : Files.readAllLines(root.resolve("docs/metrics.md"))) {
            Matcher row = TABLE_ROW.matcher(line);
            if (row.matches()) {
                names.add(new Documented(row.group(1), !row.group(3).startsWith("Flink")));
            }
        }
        return names;
    }

    private void checkDocumentedMetrics(FlywheelLoop.MetricsEndpoints endpoints) throws Exception {
        Map<URI, List<Block>> scraped = new LinkedHashMap<>();
        int n = 0;
        for (URI endpoint : endpoints.all()) {
            String text = http.send(HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            // Kept beside Prometheus's log, for whoever reads a failure.
            Files.writeString(dir.resolve("scrape-" + (++n) + ".txt"), endpoint + "\n" + text);
            scraped.put(endpoint, blocks(text));
        }
        List<Documented> documented = documentedMetrics(root);
        if (documented.isEmpty()) {
            failures.add("docs/metrics.md has no table of metrics");
        }
        Set<String> ours = new LinkedHashSet<>();
        for (Documented metric : documented) {
            String sample = null;
            for (List<Block> blocks : scraped.values()) {
                for (Block block : blocks) {
                    if (sample == null && block.family().equals(metric.name())) {
                        sample = block.firstSample();
                    }
                }
            }
            if (sample == null) {
                failures.add("docs/metrics.md names " + metric.name() + ", which no endpoint serves");
            } else {
                samples.put(metric.name(), sample);
            }
            if (metric.ours()) {
                ours.add(metric.name());
            }
        }
        for (Map.Entry<URI, List<Block>> endpoint : scraped.entrySet()) {
            StringBuilder text = new StringBuilder();
            for (Block block : endpoint.getValue()) {
                if (ours.contains(block.family())) {
                    text.append(block.text());
                }
            }
            if (text.isEmpty()) {
                failures.add(endpoint.getKey() + " serves none of the documented metrics");
                continue;
            }
            PrometheusServer.Run lint = PrometheusServer.promtool(binaries, text.toString(), "check", "metrics");
            if (lint.exit() != 0 || !lint.output().isBlank()) {
                failures.add("promtool check metrics on " + endpoint.getKey() + " (exit " + lint.exit() + "):\n"
                        + lint.output());
            }
        }
    }

    /** Flink's labels that identify a task attempt rather than say what a sample is: left out of the samples shown. */
    private static final Pattern ATTEMPT_LABELS = Pattern.compile(
            "(job_id|task_id|task_attempt_id|task_attempt_num|host|operator_id|tm_id|task_name)=\"[^\"]*\",?");

    /** One metric family of the text format: its name, and its HELP, TYPE and sample lines. */
    record Block(String family, String text) {
        /**
         * The first sample with a finite value other than zero, else the first; of a summary, its
         * 99th percentile; without Flink's attempt labels.
         */
        String firstSample() {
            List<String> all = text.lines().filter(l -> !l.startsWith("#")).toList();
            List<String> p99 = all.stream().filter(l -> l.contains("quantile=\"0.99\"")).toList();
            List<String> samples = p99.isEmpty() ? all : p99;
            String chosen = samples.stream().filter(Block::telling).findFirst()
                    .orElse(samples.isEmpty() ? null : samples.get(0));
            return chosen == null ? null : ATTEMPT_LABELS.matcher(chosen).replaceAll("").replace(",}", "}");
        }

        private static boolean telling(String sample) {
            try {
                double value = Double.parseDouble(sample.substring(sample.lastIndexOf(' ') + 1));
                return Double.isFinite(value) && value != 0;
            } catch (NumberFormatException e) {
                return false;
            }
        }
    }

    private static List<Block> blocks(String exposition) {
        List<Block> blocks = new ArrayList<>();
        String family = null;
        StringBuilder text = new StringBuilder();
        for (String line : exposition.split("\n")) {
            if (line.startsWith("# HELP ")) {
                if (family != null) {
                    blocks.add(new Block(family, text.toString()));
                }
                family = line.split(" ")[2];
                text = new StringBuilder();
            }
            if (family != null && !line.isBlank()) {
                text.append(line).append('\n');
            }
        }
        if (family != null) {
            blocks.add(new Block(family, text.toString()));
        }
        return blocks;
    }

    List<String> failures() {
        return failures;
    }

    Map<String, String> samples() {
        return samples;
    }

    int expressionsChecked() {
        return expressionsChecked;
    }

    int rulesChecked() {
        return rulesChecked;
    }

    /** Whether the loop got as far as the end of its traffic, where the checks run. */
    boolean ran() {
        return ran;
    }

    Path log() {
        return server == null ? null : server.log();
    }

    void stop() {
        if (server != null) {
            server.close();
        }
    }
}
