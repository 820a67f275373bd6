package dev.flywheel.jobs.state;

import static dev.flywheel.jobs.JobOptions.require;

import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.FeatureSpec;
import dev.flywheel.jobs.JobArgs;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What the bootstrap job is told, validated before anything runs.
 *
 * @param inputs         history files, each read in its own order
 * @param format         the files' format; null: from each file's name ({@link HistoryFormat.Kind#of})
 * @param savepoint      the directory the savepoint is written to; must not exist yet or be empty
 * @param features       must equal the scoring job's {@code --top-categories} and {@code --state-ttl}
 * @param parallelism    0: the environment's default
 * @param maxParallelism the key-group count the savepoint is written with; the scoring job takes it
 *                       over (it sets none of its own), so it bounds how far the job can scale
 */
public record BootstrapConfig(List<Path> inputs, HistoryFormat.Kind format, Path savepoint, FeatureSettings features,
        int parallelism, int maxParallelism) implements Serializable {

    /** Flink's default for any parallelism up to 85, and so what the scoring job runs with today. */
    public static final int DEFAULT_MAX_PARALLELISM = 128;

    static final Set<String> ARGUMENTS = Set.of("input", "format", "savepoint", "top-categories", "state-ttl",
            "parallelism", "max-parallelism");

    public BootstrapConfig {
        inputs = List.copyOf(inputs);
    }

    public static BootstrapConfig fromArgs(String[] args) {
        return from(JobArgs.parse(args, ARGUMENTS));
    }

    public static BootstrapConfig from(JobArgs args) {
        List<Path> inputs = new ArrayList<>();
        for (String name : args.list("input", List.of())) {
            Path path = Path.of(name);
            require(Files.isReadable(path), "--input: no readable file or directory at " + path);
            inputs.add(path);
        }
        require(!inputs.isEmpty(), "--input is required: one or more history files (JSON lines, or .csv for Taobao)");
        String format = args.optional("format");
        HistoryFormat.Kind kind = null;
        if (format != null && !format.equals("auto")) {
            require(format.equals("json") || format.equals("taobao"),
                    "--format must be auto, json or taobao, got '" + format + "'");
            kind = format.equals("json") ? HistoryFormat.Kind.JSON : HistoryFormat.Kind.TAOBAO;
        }
        Path savepoint = Path.of(args.required("savepoint"));
        require(!Files.exists(savepoint) || isEmptyDirectory(savepoint),
                "--savepoint " + savepoint + " already exists and is not an empty directory");
        int topCategories = args.integer("top-categories", FeatureSpec.DEFAULT_TOP_CATEGORIES);
        Duration stateTtl = args.duration("state-ttl", FeatureSettings.defaults().stateTtl());
        require(topCategories > 0, "--top-categories must be positive");
        require(stateTtl.compareTo(FeatureSpec.SESSION_GAP) >= 0,
                "--state-ttl must be at least the session gap (" + FeatureSpec.SESSION_GAP + ")");
        int parallelism = args.integer("parallelism", 0);
        require(parallelism >= 0, "--parallelism must be 0 (default) or more");
        int maxParallelism = args.integer("max-parallelism", DEFAULT_MAX_PARALLELISM);
        require(maxParallelism > 0 && maxParallelism <= 32768, "--max-parallelism must be between 1 and 32768");
        require(parallelism <= maxParallelism, "--parallelism must not exceed --max-parallelism");
        return new BootstrapConfig(inputs, kind, savepoint.toAbsolutePath(),
                new FeatureSettings(topCategories, stateTtl), parallelism, maxParallelism);
    }

    /** The format of one input file. */
    HistoryFormat.Kind formatOf(Path input) {
        return format != null ? format : HistoryFormat.Kind.of(input.getFileName().toString());
    }

    private static boolean isEmptyDirectory(Path path) {
        try (var entries = Files.list(path)) {
            return entries.findAny().isEmpty();
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
