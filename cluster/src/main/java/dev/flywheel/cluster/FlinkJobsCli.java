package dev.flywheel.cluster;

import dev.flywheel.cluster.FlinkRestClient.ClusterException;
import dev.flywheel.cluster.FlinkRestClient.JobSummary;
import dev.flywheel.cluster.FlinkRestClient.SavepointStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code flywheel-flink}: runs Flywheel's jobs on a Flink session cluster and stops them with a
 * savepoint (scripts/flink-jobs.sh). The answer a script needs (a job id, a savepoint path) is
 * the only thing on standard output; progress goes to standard error. Bad arguments print one
 * line and exit 2; a cluster that refuses or fails exits 1.
 */
@Command(name = "flink-jobs.sh", mixinStandardHelpOptions = true,
        description = "Runs Flywheel's jobs on a Flink session cluster; stops them with a savepoint.",
        subcommands = {FlinkJobsCli.Submit.class, FlinkJobsCli.Stop.class, FlinkJobsCli.ListJobs.class})
public final class FlinkJobsCli implements Runnable {
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;
    /** Where the script says the jar it builds lies; --jar overrides it. */
    static final String DEFAULT_JAR_PROPERTY = "flywheel.jobs.jar";
    private static final Duration POLL = Duration.ofMillis(200);

    @Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command and returns its exit code. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine commandLine = new CommandLine(new FlinkJobsCli());
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setParameterExceptionHandler((ParameterException e, String[] ignored) -> {
            e.getCommandLine().getErr().println("flink-jobs: " + e.getMessage() + " (see --help)");
            return EXIT_USAGE;
        });
        commandLine.setExecutionExceptionHandler((e, cmd, parseResult) -> {
            boolean usage = e instanceof IllegalArgumentException && !(e instanceof ClusterException);
            cmd.getErr().println("flink-jobs: " + e.getMessage());
            return usage ? EXIT_USAGE : EXIT_FAILURE;
        });
        return commandLine.execute(args);
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command: submit, stop or list");
    }

    /** Where the cluster is and how to talk to it. */
    static final class Target {
        @Option(names = "--rest", paramLabel = "URL",
                description = "the cluster's REST address, e.g. http://jobmanager:8081")
        URI rest;

        @Option(names = "--flink-cli", paramLabel = "PATH", arity = "0..1", fallbackValue = "flink",
                description = "use the flink command (default: flink on the PATH) instead of the REST API;"
                        + " --rest, if given, becomes its -m address")
        String flinkCli;

        void validate(CommandLine commandLine) {
            if (rest == null && flinkCli == null) {
                throw new ParameterException(commandLine, "give --rest URL or --flink-cli");
            }
            if (rest != null && (rest.getScheme() == null || !rest.getScheme().startsWith("http")
                    || rest.getHost() == null)) {
                throw new ParameterException(commandLine, "--rest must be an http(s) URL like http://jobmanager:8081,"
                        + " got '" + rest + "'");
            }
        }

        /** The flink CLI's -m: host:port of the REST endpoint. */
        List<String> addressArguments() {
            if (rest == null) {
                return List.of();
            }
            int port = rest.getPort() > 0 ? rest.getPort() : 8081;
            return List.of("-m", rest.getHost() + ":" + port);
        }
    }

    @Command(name = "submit", mixinStandardHelpOptions = true,
            description = "Submits one job of the shaded jar with its options, optionally from a savepoint;"
                    + " prints the job id.")
    static final class Submit implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @ArgGroup(exclusive = false, multiplicity = "1")
        Target target = new Target();

        @Option(names = "--job", required = true, paramLabel = "NAME", description = "analytics, scoring or monitor")
        String job;

        @Option(names = "--config", required = true, paramLabel = "FILE",
                description = "the job's options, one 'name = value' a line (see README)")
        Path config;

        @Option(names = "--jar", paramLabel = "JAR", description = "the shaded jobs jar (default: the one the build made)")
        Path jar;

        @Option(names = "--from-savepoint", paramLabel = "PATH", description = "restore the job's state from this savepoint")
        String fromSavepoint;

        @Option(names = "--allow-non-restored-state",
                description = "with --from-savepoint: accept savepoint state no operator of this job claims")
        boolean allowNonRestoredState;

        @Option(names = "--wait", paramLabel = "DURATION", defaultValue = "PT2M", converter = DurationConverter.class,
                description = "how long to wait for the job to be RUNNING (default 2m)")
        Duration wait;

        @Override
        public Integer call() throws Exception {
            target.validate(spec.commandLine());
            FlywheelJob flywheelJob;
            try {
                flywheelJob = FlywheelJob.of(job);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--job: " + e.getMessage());
            }
            Path jarFile = resolveJar(spec.commandLine(), jar);
            if (allowNonRestoredState && fromSavepoint == null) {
                throw new ParameterException(spec.commandLine(), "--allow-non-restored-state needs --from-savepoint");
            }
            List<String> arguments = JobConfigFile.arguments(config);
            PrintWriter err = spec.commandLine().getErr();
            if (target.flinkCli != null) {
                List<String> command = new ArrayList<>(List.of(target.flinkCli, "run", "-d"));
                command.addAll(target.addressArguments());
                if (fromSavepoint != null) {
                    command.addAll(List.of("-s", fromSavepoint));
                    if (allowNonRestoredState) {
                        command.add("-n");
                    }
                }
                command.addAll(List.of("-c", flywheelJob.entryClass(), jarFile.toString()));
                command.addAll(arguments);
                return runFlinkCli(command, err);
            }
            FlinkRestClient cluster = new FlinkRestClient(target.rest);
            err.println("submitting " + flywheelJob.jobName() + " to Flink " + cluster.flinkVersion() + " at "
                    + cluster.base() + (fromSavepoint == null ? "" : " from " + fromSavepoint) + "...");
            String jarId = cluster.uploadJar(jarFile);
            String jobId;
            try {
                jobId = cluster.runJar(jarId, flywheelJob.entryClass(), arguments, fromSavepoint, allowNonRestoredState);
            } finally {
                // The job graph holds its own copy of the jar; the upload only clutters the web UI.
                cluster.deleteJar(jarId);
            }
            String state = awaitState(cluster, jobId, Set.of("RUNNING"), wait);
            if (!"RUNNING".equals(state)) {
                throw new ClusterException(flywheelJob.jobName() + " (" + jobId + ") is " + state
                        + " instead of RUNNING: see the JobManager's log");
            }
            err.println(flywheelJob.jobName() + " is running as job " + jobId);
            spec.commandLine().getOut().println(jobId);
            return 0;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = "Stops a job with a savepoint; prints the savepoint's path.")
    static final class Stop implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @ArgGroup(exclusive = false, multiplicity = "1")
        Target target = new Target();

        @Option(names = "--job", paramLabel = "NAME",
                description = "the running job of this kind (analytics, scoring or monitor); needs --rest")
        String job;

        @Option(names = "--job-id", paramLabel = "ID", description = "the job's id")
        String jobId;

        @Option(names = "--savepoint-dir", paramLabel = "DIR",
                description = "where the savepoint goes (default: the cluster's state.savepoints.dir)")
        String savepointDir;

        @Option(names = "--drain", description = "emit a final watermark first: closes every event-time window"
                + " (for a job that will not be resumed)")
        boolean drain;

        @Option(names = "--wait", paramLabel = "DURATION", defaultValue = "PT5M", converter = DurationConverter.class,
                description = "how long to wait for the savepoint (default 5m)")
        Duration wait;

        @Override
        public Integer call() throws Exception {
            target.validate(spec.commandLine());
            if ((job == null) == (jobId == null)) {
                throw new ParameterException(spec.commandLine(), "give exactly one of --job and --job-id");
            }
            if (jobId != null && !jobId.matches("[0-9a-f]{32}")) {
                throw new ParameterException(spec.commandLine(), "--job-id must be 32 hex digits, got '" + jobId + "'");
            }
            FlywheelJob flywheelJob = null;
            if (job != null) {
                try {
                    flywheelJob = FlywheelJob.of(job);
                } catch (IllegalArgumentException e) {
                    throw new ParameterException(spec.commandLine(), "--job: " + e.getMessage());
                }
                if (target.rest == null) {
                    throw new ParameterException(spec.commandLine(), "--job needs --rest to find the job; or give --job-id");
                }
            }
            PrintWriter err = spec.commandLine().getErr();
            if (target.flinkCli != null) {
                String id = jobId != null ? jobId : runningJob(new FlinkRestClient(target.rest), flywheelJob).id();
                List<String> command = new ArrayList<>(List.of(target.flinkCli, "stop"));
                command.addAll(target.addressArguments());
                if (savepointDir != null) {
                    command.addAll(List.of("-p", savepointDir));
                }
                if (drain) {
                    command.add("-d");
                }
                command.add(id);
                return runFlinkCli(command, err);
            }
            FlinkRestClient cluster = new FlinkRestClient(target.rest);
            String id = jobId != null ? jobId : runningJob(cluster, flywheelJob).id();
            err.println("stopping job " + id + " with a savepoint" + (drain ? " (draining)" : "") + "...");
            String trigger = cluster.stopWithSavepoint(id, savepointDir, drain);
            long deadline = System.nanoTime() + wait.toNanos();
            SavepointStatus status = cluster.savepointStatus(id, trigger);
            while (!status.done()) {
                if (System.nanoTime() > deadline) {
                    throw new ClusterException("no savepoint of job " + id + " after " + wait.toSeconds()
                            + " s; the job keeps running unless it completes later");
                }
                Thread.sleep(POLL.toMillis());
                status = cluster.savepointStatus(id, trigger);
            }
            if (status.failure() != null) {
                throw new ClusterException("the savepoint of job " + id + " failed, the job keeps running: "
                        + status.failure());
            }
            String state = awaitState(cluster, id, Set.of("FINISHED", "CANCELED", "FAILED"), wait);
            err.println("job " + id + " is " + state + "; savepoint at " + status.location());
            spec.commandLine().getOut().println(status.location());
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the cluster's jobs: id, state, name.")
    static final class ListJobs implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--rest", required = true, paramLabel = "URL", description = "the cluster's REST address")
        URI rest;

        @Override
        public Integer call() {
            for (JobSummary job : new FlinkRestClient(rest).jobs()) {
                spec.commandLine().getOut().println(job.id() + " " + job.state() + " " + job.name());
            }
            return 0;
        }
    }

    static Path resolveJar(CommandLine commandLine, Path given) {
        Path jar = given;
        if (jar == null) {
            String fallback = System.getProperty(DEFAULT_JAR_PROPERTY);
            if (fallback == null) {
                throw new ParameterException(commandLine, "--jar is required");
            }
            jar = Path.of(fallback);
        }
        if (!Files.isRegularFile(jar)) {
            throw new ParameterException(commandLine, "jar " + jar + " not found"
                    + (given == null ? " (build it: mvn -B -pl jobs -am package -DskipTests)" : ""));
        }
        return jar;
    }

    /** The one running job of this kind; two would make a stop ambiguous. */
    static JobSummary runningJob(FlinkRestClient cluster, FlywheelJob job) {
        List<JobSummary> running = cluster.jobs().stream()
                .filter(j -> j.name().equals(job.jobName()) && "RUNNING".equals(j.state())).toList();
        if (running.isEmpty()) {
            throw new ClusterException("no running " + job.jobName() + " job at " + cluster.base());
        }
        if (running.size() > 1) {
            throw new ClusterException(running.size() + " running " + job.jobName() + " jobs at " + cluster.base()
                    + ": give --job-id (" + running.stream().map(JobSummary::id).toList() + ")");
        }
        return running.get(0);
    }

    /** Polls until the job is in one of {@code wanted} or a terminal state; returns the state. */
    static String awaitState(FlinkRestClient cluster, String jobId, Set<String> wanted, Duration wait)
            throws InterruptedException {
        Set<String> terminal = Set.of("FINISHED", "CANCELED", "FAILED", "SUSPENDED");
        long deadline = System.nanoTime() + wait.toNanos();
        String state = cluster.jobState(jobId);
        while (!wanted.contains(state) && !terminal.contains(state)) {
            if (System.nanoTime() > deadline) {
                throw new ClusterException("job " + jobId + " is still " + state + " after " + wait.toSeconds() + " s");
            }
            Thread.sleep(POLL.toMillis());
            state = cluster.jobState(jobId);
        }
        return state;
    }

    static int runFlinkCli(List<String> command, PrintWriter err) throws InterruptedException {
        err.println("running " + String.join(" ", command));
        err.flush();
        Process process;
        try {
            process = new ProcessBuilder(command).inheritIO().start();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot run " + command.get(0) + ": " + e.getMessage());
        }
        int exit = process.waitFor();
        return exit == 0 ? 0 : EXIT_FAILURE;
    }

    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String text = value.trim().toLowerCase();
            try {
                if (text.startsWith("pt")) {
                    return Duration.parse(text.toUpperCase());
                }
                if (text.endsWith("ms")) {
                    return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
                }
                long amount = Long.parseLong(text.substring(0, text.length() - 1));
                return switch (text.charAt(text.length() - 1)) {
                    case 's' -> Duration.ofSeconds(amount);
                    case 'm' -> Duration.ofMinutes(amount);
                    case 'h' -> Duration.ofHours(amount);
                    default -> throw new NumberFormatException();
                };
            } catch (RuntimeException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a duration like 30s, 5m or 1h");
            }
        }
    }
}
