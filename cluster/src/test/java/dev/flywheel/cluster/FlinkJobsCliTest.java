package dev.flywheel.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command's arguments: one line and exit 2 when wrong, and the flink CLI line it builds. */
class FlinkJobsCliTest {
    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = FlinkJobsCli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(exit, out.toString(), err.toString());
    }

    private Path config(String text) throws Exception {
        Path file = dir.resolve("job.properties");
        Files.writeString(file, text);
        return file;
    }

    private Path jar() throws Exception {
        return Files.write(dir.resolve("jobs.jar"), new byte[] {0x50, 0x4b});
    }

    @Test
    void badArgumentsPrintOneLineAndExitTwo() throws Exception {
        String config = config("bootstrap = kafka:9092\n").toString();
        String jar = jar().toString();
        List<String[]> bad = List.of(
                new String[] {},
                new String[] {"launch"},
                new String[] {"submit", "--job", "scoring", "--config", config, "--jar", jar},
                new String[] {"submit", "--rest", "http://localhost:1", "--job", "pricing", "--config", config, "--jar", jar},
                new String[] {"submit", "--rest", "localhost:8081", "--job", "scoring", "--config", config, "--jar", jar},
                new String[] {"submit", "--rest", "http://localhost:1", "--job", "scoring", "--config", "missing.properties",
                        "--jar", jar},
                new String[] {"submit", "--rest", "http://localhost:1", "--job", "scoring", "--config", config,
                        "--jar", dir.resolve("none.jar").toString()},
                new String[] {"submit", "--rest", "http://localhost:1", "--job", "scoring", "--config", config, "--jar", jar,
                        "--allow-non-restored-state"},
                new String[] {"stop", "--rest", "http://localhost:1"},
                new String[] {"stop", "--rest", "http://localhost:1", "--job", "scoring", "--job-id",
                        "0123456789abcdef0123456789abcdef"},
                new String[] {"stop", "--rest", "http://localhost:1", "--job-id", "not-an-id"},
                new String[] {"stop", "--flink-cli", "--job", "scoring"},
                new String[] {"stop", "--rest", "http://localhost:1", "--job", "scoring", "--wait", "soon"});
        for (String[] args : bad) {
            Run run = run(args);
            assertThat(run.exit()).as(String.join(" ", args)).isEqualTo(FlinkJobsCli.EXIT_USAGE);
            assertThat(run.err().strip().lines()).as(run.err()).hasSize(1);
            assertThat(run.err()).startsWith("flink-jobs: ");
            assertThat(run.out()).isEmpty();
        }
    }

    @Test
    void aConfigFileEntryThatIsNotAnOptionNameIsRefused() throws Exception {
        Run run = run("submit", "--rest", "http://localhost:1", "--job", "scoring", "--config",
                config("--bootstrap kafka:9092\n").toString(), "--jar", jar().toString());
        assertThat(run.exit()).isEqualTo(FlinkJobsCli.EXIT_USAGE);
        assertThat(run.err()).contains("'--bootstrap' is not an option name");
    }

    @Test
    void aClusterThatDoesNotAnswerIsOneLineAndExitOne() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Run run = run("submit", "--rest", "http://localhost:" + port, "--job", "scoring", "--config",
                config("bootstrap = kafka:9092\n").toString(), "--jar", jar().toString());
        assertThat(run.exit()).isEqualTo(FlinkJobsCli.EXIT_FAILURE);
        assertThat(run.err().strip()).isEqualTo("flink-jobs: no Flink REST endpoint answers at http://localhost:" + port
                + "/ (reading overview)");
    }

    @Test
    void theFlinkCliIsGivenTheJobItsOptionsAndTheSavepoint() throws Exception {
        Path recorded = dir.resolve("args");
        Path flink = dir.resolve("flink");
        Files.writeString(flink, "#!/bin/sh\nprintf '%s\\n' \"$@\" > '" + recorded + "'\n");
        Files.setPosixFilePermissions(flink, PosixFilePermissions.fromString("rwx------"));
        String jar = jar().toString();
        Run run = run("submit", "--flink-cli", flink.toString(), "--rest", "http://jobmanager:8081", "--job", "monitor",
                "--config", config("registry = http://registry:8095\nbootstrap: kafka:9092\n").toString(),
                "--jar", jar, "--from-savepoint", "s3://savepoints/sp-1", "--allow-non-restored-state");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(Files.readAllLines(recorded)).containsExactly("run", "-d", "-m", "jobmanager:8081", "-s",
                "s3://savepoints/sp-1", "-n", "-c", "dev.flywheel.jobs.monitor.MonitorJob", jar,
                "--bootstrap", "kafka:9092", "--registry", "http://registry:8095");

        Run stop = run("stop", "--flink-cli", flink.toString(), "--job-id", "0123456789abcdef0123456789abcdef",
                "--savepoint-dir", "s3://savepoints");
        assertThat(stop.exit()).as(stop.err()).isZero();
        assertThat(Files.readAllLines(recorded)).containsExactly("stop", "-p", "s3://savepoints",
                "0123456789abcdef0123456789abcdef");
    }
}
