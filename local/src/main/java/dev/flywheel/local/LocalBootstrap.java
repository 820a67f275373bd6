package dev.flywheel.local;

import dev.flywheel.jobs.state.BootstrapConfig;
import dev.flywheel.jobs.state.BootstrapJob;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code run-local.sh --bootstrap-from}: the savepoint the scoring job starts from, either given (a
 * directory with a {@code _metadata} file) or bootstrapped here from a history file (contract JSON
 * lines, or a Taobao {@code .csv}) on the stack's own MiniCluster, with the scoring job's default
 * feature settings.
 */
final class LocalBootstrap {
    /** Where a bootstrapped savepoint goes; replaced at each run, as the broker starts empty. */
    static final Path SAVEPOINT = Path.of("run", "bootstrap-savepoint");

    private LocalBootstrap() {
    }

    static boolean isSavepoint(Path path) {
        return Files.isDirectory(path) && Files.isRegularFile(path.resolve("_metadata"));
    }

    /** The savepoint for {@code input}: itself, or one bootstrapped from it into {@code target}. */
    static Path savepointFor(LocalStack stack, Path input, int parallelism, Path target, PrintStream out)
            throws Exception {
        if (isSavepoint(input)) {
            out.printf("scoring job: starting from savepoint %s%n", input);
            return input.toAbsolutePath();
        }
        LocalStack.deleteRecursively(target);
        BootstrapConfig config = BootstrapConfig.from(dev.flywheel.jobs.JobArgs.of(java.util.Map.of(
                "input", input.toString(), "savepoint", target.toString(),
                "parallelism", Integer.toString(parallelism))));
        out.printf("bootstrapping the scoring job's features from %s...%n", input);
        BootstrapJob.Summary summary = new BootstrapJob(config).run(stack.flinkEnvironment());
        out.printf("bootstrap: %,d events (%,d lines skipped) in %.1f s (%,.0f events/s) -> %s%n", summary.events(),
                summary.rejected(), summary.millis() / 1000.0, summary.eventsPerSecond(), target);
        if (summary.events() == 0) {
            throw new IOException("--bootstrap-from " + input + " holds no events");
        }
        return target.toAbsolutePath();
    }

    /** Whether {@code path} is something {@link #savepointFor} can start from. */
    static String problemWith(Path path) {
        if (isSavepoint(path) || Files.isRegularFile(path)) {
            return null;
        }
        return Files.isDirectory(path) ? "--bootstrap-from: " + path + " is a directory without a savepoint (_metadata)"
                : "--bootstrap-from: no such file " + path;
    }
}
