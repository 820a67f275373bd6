package dev.flywheel.jobs.state;

import static dev.flywheel.jobs.JobOptions.require;

import dev.flywheel.features.FeatureSettings;
import dev.flywheel.features.FeatureSpec;
import dev.flywheel.jobs.JobArgs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Set;

/**
 * What the export job is told, validated before anything runs.
 *
 * @param savepoint    a savepoint directory, or a retained checkpoint's {@code chk-N} directory
 * @param output       where {@code users.csv}, {@code items.csv} and {@code export.properties} go
 * @param asOf         epoch millis the rows are computed as of; {@link FeatureRows#AS_OF_LAST_EVENT}:
 *                     each row as of its own last event
 * @param features     the scoring job's {@code --top-categories} and {@code --state-ttl}
 * @param stateBackend the backend the state was written with when it is a native-format checkpoint
 *                     ({@code hashmap} or {@code rocksdb}); savepoints read with either
 * @param parallelism  of the reading jobs; 0: the environment's default
 */
public record ExportConfig(Path savepoint, Path output, long asOf, FeatureSettings features, String stateBackend,
        int parallelism) {

    static final Set<String> ARGUMENTS = Set.of("savepoint", "output", "as-of", "top-categories", "state-ttl",
            "state-backend", "parallelism");

    public static ExportConfig fromArgs(String[] args) {
        JobArgs parsed = JobArgs.parse(args, ARGUMENTS);
        Path savepoint = Path.of(parsed.required("savepoint"));
        require(Files.isDirectory(savepoint), "--savepoint: no savepoint or checkpoint directory at " + savepoint);
        require(Files.isRegularFile(savepoint.resolve("_metadata")), "--savepoint: " + savepoint
                + " is not a savepoint or retained checkpoint (it has no _metadata file)");
        Path output = Path.of(parsed.required("output"));
        require(!Files.exists(output) || Files.isDirectory(output), "--output " + output + " is a file, not a directory");
        int topCategories = parsed.integer("top-categories", FeatureSpec.DEFAULT_TOP_CATEGORIES);
        Duration stateTtl = parsed.duration("state-ttl", FeatureSettings.defaults().stateTtl());
        require(topCategories > 0, "--top-categories must be positive");
        require(stateTtl.compareTo(FeatureSpec.SESSION_GAP) >= 0,
                "--state-ttl must be at least the session gap (" + FeatureSpec.SESSION_GAP + ")");
        String backend = parsed.string("state-backend", "hashmap");
        require(backend.equals("hashmap") || backend.equals("rocksdb"),
                "--state-backend must be hashmap or rocksdb, got '" + backend + "'");
        int parallelism = parsed.integer("parallelism", 0);
        require(parallelism >= 0, "--parallelism must be 0 (default) or more");
        return new ExportConfig(savepoint.toAbsolutePath(), output.toAbsolutePath(),
                asOf(parsed.string("as-of", "last-event")), new FeatureSettings(topCategories, stateTtl), backend,
                parallelism);
    }

    /** {@code last-event}, epoch milliseconds, or an ISO-8601 instant such as {@code 2026-01-01T00:00:00Z}. */
    private static long asOf(String text) {
        if (text.equals("last-event")) {
            return FeatureRows.AS_OF_LAST_EVENT;
        }
        if (text.chars().allMatch(Character::isDigit) && !text.isEmpty() && text.length() < 19) {
            return Long.parseLong(text);
        }
        try {
            return Instant.parse(text).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new JobArgs.InvalidJobArgumentException("--as-of must be last-event, epoch milliseconds or an"
                    + " ISO-8601 instant (2026-01-01T00:00:00Z), got '" + text + "'");
        }
    }
}
