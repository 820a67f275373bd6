package dev.flywheel.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/**
 * A real Flink standalone session cluster: one JobManager and one TaskManager, each its own JVM,
 * started the way Flink's bin/jobmanager.sh and bin/taskmanager.sh start them (their entry points,
 * the JVM memory flags and dynamic properties BashJavaUtils derives from the configuration), on a
 * lib/ of Maven Central jars in place of flink-dist. The processes are destroyed on {@link #close}
 * and, should the test JVM die first, by a shutdown hook.
 */
final class StandaloneFlinkCluster implements AutoCloseable {
    /** The --add-opens/--add-exports of the distribution's config.yaml (env.java.opts.all). */
    private static final List<String> JAVA_OPTS = List.of(
            "--add-exports=java.base/sun.net.util=ALL-UNNAMED", "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED", "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path home;
    private final String classpath;
    private final int restPort;
    private final List<Process> processes = new ArrayList<>();
    private final Thread killer = new Thread(this::destroyAll, "flink-cluster-killer");
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private StandaloneFlinkCluster(Path home, Path lib, int restPort) {
        this.home = home;
        this.classpath = lib.toAbsolutePath() + "/*";
        this.restPort = restPort;
        Runtime.getRuntime().addShutdownHook(killer);
    }

    /**
     * Writes the configuration and starts both processes; returns without waiting for them
     * ({@link #awaitReady}), so the caller can start its other parts meanwhile.
     */
    static StandaloneFlinkCluster start(Path lib, Path home) throws IOException {
        int restPort = freePort();
        Path conf = Files.createDirectories(home.resolve("conf"));
        Files.createDirectories(home.resolve("log"));
        Files.writeString(conf.resolve("config.yaml"), String.join("\n",
                "jobmanager.rpc.address: localhost",
                "jobmanager.rpc.port: " + freePort(),
                "jobmanager.bind-host: localhost",
                "taskmanager.bind-host: localhost",
                "taskmanager.host: localhost",
                "rest.address: localhost",
                "rest.bind-address: localhost",
                "rest.port: " + restPort,
                "jobmanager.memory.process.size: 1024m",
                // ONNX Runtime's natives and their arenas live outside the heap, in the JVM overhead.
                "taskmanager.memory.process.size: 1600m",
                "taskmanager.memory.managed.fraction: 0.1",
                "taskmanager.numberOfTaskSlots: 2",
                "parallelism.default: 2",
                "pipeline.auto-generate-uids: false",
                // A job's main that calls System.exit (the jobs do on a bad argument) must fail the
                // submission, not end the JobManager it runs in during a REST submission.
                "cluster.intercept-user-system-exit: THROW",
                "execution.checkpointing.dir: " + home.resolve("checkpoints").toUri(),
                "execution.checkpointing.savepoint-dir: " + home.resolve("savepoints").toUri(),
                "web.upload.dir: " + Files.createDirectories(home.resolve("uploads")),
                "io.tmp.dirs: " + Files.createDirectories(home.resolve("tmp")),
                ""));
        Files.writeString(conf.resolve("log4j.properties"), String.join("\n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.file.ref = file",
                "appender.file.name = file",
                "appender.file.type = File",
                "appender.file.fileName = ${sys:log.file}",
                "appender.file.layout.type = PatternLayout",
                "appender.file.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
                ""));
        StandaloneFlinkCluster cluster = new StandaloneFlinkCluster(home, lib, restPort);
        try {
            cluster.launch("jobmanager", "GET_JM_RESOURCE_PARAMS",
                    "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                    List.of("--executionMode", "cluster"));
            cluster.launch("taskmanager", "GET_TM_RESOURCE_PARAMS",
                    "org.apache.flink.runtime.taskexecutor.TaskManagerRunner", List.of());
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    URI restUrl() {
        return URI.create("http://localhost:" + restPort);
    }

    Path home() {
        return home;
    }

    /** Waits until the REST endpoint answers and the TaskManager has registered its slots. */
    void awaitReady(Duration deadline) throws InterruptedException {
        awaitOverview("a TaskManager with 2 free slots", overview -> overview.path("taskmanagers").asInt() == 1
                && overview.path("slots-total").asInt() == 2, deadline);
    }

    /** Waits until no slot is in use: the stopped job has released its tasks. */
    void awaitSlotsFree(Duration deadline) throws InterruptedException {
        awaitOverview("both slots free", overview -> overview.path("slots-available").asInt() == 2, deadline);
    }

    private void awaitOverview(String what, Predicate<JsonNode> condition, Duration deadline)
            throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        String last = "no answer";
        while (System.nanoTime() < end) {
            for (Process process : processes) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("a Flink process exited with " + process.exitValue()
                            + " while waiting for " + what + ": see " + home.resolve("log"));
                }
            }
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(restUrl().resolve("/overview"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                last = response.statusCode() + " " + response.body();
                if (response.statusCode() == 200 && condition.test(JSON.readTree(response.body()))) {
                    return;
                }
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("waiting " + deadline.toSeconds() + " s for " + what + " at " + restUrl() + "; last: "
                + last + "; logs in " + home.resolve("log"));
    }

    /**
     * A {@code flink} command as bin/flink runs it: Flink's CliFrontend on the cluster's class path,
     * reading the cluster's configuration directory.
     */
    Path flinkCommand() throws IOException {
        List<String> java = new ArrayList<>(List.of(javaBinary()));
        java.addAll(JAVA_OPTS);
        java.add("-Dlog.file=" + home.resolve("log/flink-cli.log"));
        java.add("-Dlog4j.configurationFile=" + home.resolve("conf/log4j.properties").toUri());
        java.addAll(List.of("-cp", "'" + classpath + "'", "org.apache.flink.client.cli.CliFrontend"));
        Path command = home.resolve("flink");
        Files.writeString(command, "#!/bin/sh\nexport FLINK_CONF_DIR='" + home.resolve("conf") + "'\nexec "
                + String.join(" ", java) + " \"$@\"\n");
        command.toFile().setExecutable(true);
        return command;
    }

    /** The log files of both processes, for a failure message. */
    String logTail(int lines) {
        StringBuilder tail = new StringBuilder();
        try (var files = Files.list(home.resolve("log"))) {
            for (Path file : files.sorted().toList()) {
                List<String> all = Files.readAllLines(file);
                tail.append("== ").append(file.getFileName()).append('\n');
                all.subList(Math.max(0, all.size() - lines), all.size()).forEach(l -> tail.append(l).append('\n'));
            }
        } catch (IOException e) {
            tail.append(e);
        }
        return tail.toString();
    }

    private void launch(String role, String resourceQuery, String mainClass, List<String> extraArguments)
            throws IOException {
        Path conf = home.resolve("conf");
        Resources resources = resources(resourceQuery, conf);
        List<String> command = new ArrayList<>(List.of(javaBinary()));
        command.addAll(resources.jvmFlags());
        command.addAll(JAVA_OPTS);
        command.add("-Dlog.file=" + home.resolve("log/" + role + ".log"));
        command.add("-Dlog4j.configurationFile=" + conf.resolve("log4j.properties").toUri());
        command.addAll(List.of("-cp", classpath, mainClass, "--configDir", conf.toString()));
        command.addAll(extraArguments);
        command.addAll(resources.dynamicProperties());
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(home.resolve("log/" + role + ".out").toFile())
                .start();
        processes.add(process);
    }

    private record Resources(List<String> jvmFlags, List<String> dynamicProperties) {
    }

    /**
     * What bin/config.sh asks BashJavaUtils for: the JVM's heap, direct and metaspace flags, then the
     * memory settings as "-D key=value" properties, on the last two lines it prints.
     */
    private Resources resources(String query, Path conf) throws IOException {
        Process process = new ProcessBuilder(javaBinary(), "-cp", classpath,
                "org.apache.flink.runtime.util.bash.BashJavaUtils", query, "--configDir", conf.toString())
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        try {
            if (process.waitFor() != 0) {
                throw new IllegalStateException("BashJavaUtils " + query + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        String prefix = "BASH_JAVA_UTILS_EXEC_RESULT:";
        List<String> results = output.lines().filter(l -> l.startsWith(prefix))
                .map(l -> l.substring(prefix.length()).trim()).toList();
        if (results.size() != 2) {
            throw new IllegalStateException("BashJavaUtils " + query + " printed " + results.size()
                    + " results instead of 2: " + output);
        }
        return new Resources(Arrays.asList(results.get(0).split("\\s+")),
                Arrays.stream(results.get(1).split("\\s+")).filter(s -> !s.isEmpty()).toList());
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void destroyAll() {
        // The TaskManager first, so it does not spend its last seconds retrying a vanished JobManager.
        for (int i = processes.size() - 1; i >= 0; i--) {
            Process process = processes.get(i);
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroy();
        }
        for (Process process : processes) {
            try {
                if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        destroyAll();
        try {
            Runtime.getRuntime().removeShutdownHook(killer);
        } catch (IllegalStateException shuttingDown) {
            // The hook runs anyway.
        }
    }
}
