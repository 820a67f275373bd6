package dev.flywheel.bench;

import dev.flywheel.jobs.JobArgs;
import dev.flywheel.jobs.JobArgs.InvalidJobArgumentException;
import dev.flywheel.jobs.serving.LoadedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs {@link ScorerBenchmark} and prints ns per row for Flywheel's scorer and the bare ONNX
 * Runtime loop at each batch size, with their ratio (target: within 2x).
 *
 * <pre>
 * scripts/bench-scorer.sh [--model run/bench-model] [--train true] [--batches 1,8,32,64,256]
 *                         [--forks 1] [--warmup-iterations 2] [--iterations 3] [--iteration-time 1s]
 *                         [--verbose false]
 * </pre>
 *
 * Without {@code --model} (or with {@code --train true}) a model is trained first, as the
 * trainer's command does, into the model directory; JMH's forks read it from there. The defaults
 * take about a minute on 2 cores: one fork, short iterations. A figure that matters deserves
 * {@code --forks 3 --iterations 10}; JMH prints each score's error with {@code --verbose true}.
 */
public final class ScorerBenchmarkRunner {
    static final Set<String> ARGUMENTS = Set.of("model", "train", "batches", "forks", "warmup-iterations",
            "iterations", "iteration-time", "verbose", "seed");

    /** One batch size's figures, per row. */
    record Row(int batch, double flywheelNanos, double flywheelError, double bareNanos, double bareError) {
        double flywheelPerRow() {
            return flywheelNanos / batch;
        }

        double barePerRow() {
            return bareNanos / batch;
        }

        double ratio() {
            return flywheelNanos / bareNanos;
        }
    }

    private ScorerBenchmarkRunner() {
    }

    public static void main(String[] args) throws Exception {
        JobArgs options;
        List<Integer> batches;
        long seed;
        Path modelDirectory;
        boolean train;
        boolean verbose;
        int forks;
        int warmups;
        int iterations;
        Duration iterationTime;
        try {
            options = JobArgs.parse(args, ARGUMENTS);
            batches = options.list("batches", List.of("1", "8", "32", "64", "256")).stream()
                    .map(ScorerBenchmarkRunner::parseBatch).toList();
            forks = options.integer("forks", 1);
            warmups = options.integer("warmup-iterations", 2);
            iterations = options.integer("iterations", 3);
            iterationTime = options.duration("iteration-time", Duration.ofSeconds(1));
            seed = options.integer("seed", 42);
            modelDirectory = Path.of(options.string("model", "run/bench-model"));
            train = options.bool("train", options.optional("model") == null);
            verbose = options.bool("verbose", false);
            if (!train && !Files.isDirectory(modelDirectory)) {
                throw new InvalidJobArgumentException("--model: no such directory: " + modelDirectory);
            }
            if (forks < 0 || warmups < 0 || iterations < 1 || iterationTime.toMillis() < 1) {
                throw new InvalidJobArgumentException("--forks and --warmup-iterations must be >= 0, --iterations >= 1,"
                        + " --iteration-time positive");
            }
        } catch (InvalidJobArgumentException e) {
            System.err.println("bench-scorer: " + e.getMessage());
            System.exit(2);
            return;
        }
        BenchModel model;
        if (train) {
            long started = System.nanoTime();
            model = BenchModel.train(modelDirectory, seed, 20_000);
            System.out.printf("trained %s on a simulated warm-up: %d inputs, ONNX %,d bytes, in %.1f s (%s)%n",
                    BenchModel.NAME, model.descriptor().inputs().size(), model.onnx().length,
                    (System.nanoTime() - started) / 1e9, modelDirectory);
        } else {
            model = BenchModel.read(modelDirectory);
            System.out.printf("model %s from %s: %d inputs, ONNX %,d bytes%n", model.descriptor().name(), modelDirectory,
                    model.descriptor().inputs().size(), model.onnx().length);
        }

        List<Row> rows = run(modelDirectory, batches, forks, warmups, iterations, iterationTime, verbose);
        System.out.print(table(rows));
    }

    private static int parseBatch(String text) {
        int batch;
        try {
            batch = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new InvalidJobArgumentException("--batches must be whole numbers, got '" + text + "'");
        }
        if (batch < 1 || batch > LoadedModel.MAX_BATCH) {
            throw new InvalidJobArgumentException("--batches must be 1.." + LoadedModel.MAX_BATCH
                    + ", got " + batch);
        }
        return batch;
    }

    /** Runs JMH over the batch sizes; forks 0 runs in this JVM (the smoke test does). */
    static List<Row> run(Path modelDirectory, List<Integer> batches, int forks, int warmups, int iterations,
            Duration iterationTime, boolean verbose) throws Exception {
        String property = "-D" + ScorerBenchmark.MODEL_PROPERTY + "=" + modelDirectory.toAbsolutePath();
        System.setProperty(ScorerBenchmark.MODEL_PROPERTY, modelDirectory.toAbsolutePath().toString());
        TimeValue time = TimeValue.milliseconds(iterationTime.toMillis());
        ChainedOptionsBuilder jmh = new OptionsBuilder()
                .include(Pattern.quote(ScorerBenchmark.class.getName()) + "\\..*")
                .param("batch", batches.stream().map(String::valueOf).toArray(String[]::new))
                .forks(forks)
                .warmupIterations(warmups)
                .warmupTime(time)
                .measurementIterations(iterations)
                .measurementTime(time)
                .jvmArgsAppend(property)
                .verbosity(verbose ? VerboseMode.NORMAL : VerboseMode.SILENT);
        long seconds = (long) batches.size() * 2 * Math.max(1, forks) * (warmups + iterations) * iterationTime.toMillis()
                / 1000;
        System.out.printf("JMH: %d batch sizes x 2 scorers, %d fork(s), %d warm-up + %d measured iterations of %d ms"
                + " (about %d s plus JVM starts)%n", batches.size(), forks, warmups, iterations, iterationTime.toMillis(),
                seconds);
        Collection<RunResult> results = new Runner(jmh.build()).run();

        Map<Integer, double[]> byBatch = new TreeMap<>();
        for (RunResult result : results) {
            int batch = Integer.parseInt(result.getParams().getParam("batch"));
            String method = result.getParams().getBenchmark();
            Result<?> primary = result.getPrimaryResult();
            double[] figures = byBatch.computeIfAbsent(batch, b -> new double[4]);
            int at = method.endsWith(".flywheel") ? 0 : 2;
            figures[at] = primary.getScore();
            figures[at + 1] = primary.getScoreError();
        }
        return byBatch.entrySet().stream()
                .map(e -> new Row(e.getKey(), e.getValue()[0], e.getValue()[1], e.getValue()[2], e.getValue()[3]))
                .toList();
    }

    static String table(List<Row> rows) {
        StringBuilder out = new StringBuilder();
        out.append(String.format("%5s  %16s  %16s  %16s  %16s  %16s%n", "batch", "Flywheel ns/call", "bare ns/call",
                "Flywheel ns/row", "bare ns/row", "Flywheel / bare"));
        boolean met = true;
        for (Row row : rows) {
            out.append(String.format("%5d  %16.0f  %16.0f  %16.1f  %16.1f  %16.2f%n", row.batch(), row.flywheelNanos(),
                    row.bareNanos(), row.flywheelPerRow(), row.barePerRow(), row.ratio()));
            met &= row.ratio() <= 2.0;
        }
        out.append(String.format("(JMH average time per call; Flywheel: LoadedModel.score at batch 1, scoreBatch above;"
                + " bare: a session run on reused tensors; target Flywheel / bare <= 2: %s)%n", met ? "met" : "NOT met"));
        return out.toString();
    }
}
