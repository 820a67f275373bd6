package dev.flywheel.jobs.state;

import dev.flywheel.features.FeatureSpec;
import dev.flywheel.jobs.JobArgs.InvalidJobArgumentException;
import dev.flywheel.jobs.Operator;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.SavepointReader;
import org.apache.flink.state.api.functions.KeyedStateReaderFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * Export: the feature state of a scoring job's savepoint or retained checkpoint as files, for
 * inspection and training sets.
 *
 * <pre>
 * savepoint -> "user-features" state            -> users.csv  (one row per user)
 *           -> "item-features-and-scoring" state -> items.csv  (one row per item)
 *           -> export.properties: feature spec version, as-of, row counts, source
 * </pre>
 *
 * Columns are the spec's feature names of what each state holds on its own ({@code
 * UserState.HELD_FEATURES}, {@code ItemState.HELD_FEATURES}), after the key and the last event
 * times. By default a row is as of the entity's own last event, so a user's row is what the
 * vector of their last event carried (unless a wake-up has since closed their session: then the
 * session columns show it closed); {@code --as-of TIME} gives every row as of one time instead, a
 * point-in-time snapshot for training. The rows come back to this process through Flink's collect
 * and are written as they arrive, so memory does not grow with the state.
 */
public final class ExportJob {
    private final ExportConfig config;

    public ExportJob(ExportConfig config) {
        this.config = config;
    }

    public record Summary(long users, long items, Path usersFile, Path itemsFile) {
    }

    /** Thrown with a one-line reason when the savepoint is not what the export can read. */
    public static final class IncompatibleSavepointException extends Exception {
        private static final long serialVersionUID = 1L;

        IncompatibleSavepointException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public Summary run() throws Exception {
        Files.createDirectories(config.output());
        Path users = config.output().resolve("users.csv");
        Path items = config.output().resolve("items.csv");
        long userRows = export(Operator.USER_FEATURES, new FeatureRows.Users(config.features(), config.asOf()),
                FeatureRows.USER_COLUMNS, users);
        long itemRows = export(Operator.SCORING, new FeatureRows.Items(config.features(), config.asOf()),
                FeatureRows.ITEM_COLUMNS, items);
        try (Writer out = Files.newBufferedWriter(config.output().resolve("export.properties"))) {
            out.write("# What users.csv and items.csv were exported from\n");
            out.write("feature_spec_version=" + FeatureSpec.current().version() + "\n");
            out.write("as_of=" + (config.asOf() == FeatureRows.AS_OF_LAST_EVENT ? "last-event"
                    : Instant.ofEpochMilli(config.asOf()).toString()) + "\n");
            out.write("users=" + userRows + "\n");
            out.write("items=" + itemRows + "\n");
            out.write("source=" + config.savepoint() + "\n");
        }
        return new Summary(userRows, itemRows, users, items);
    }

    private long export(Operator operator, KeyedStateReaderFunction<String, String> rows, List<String> columns,
            Path file) throws Exception {
        Configuration settings = new Configuration();
        settings.set(StateBackendOptions.STATE_BACKEND, config.stateBackend());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(settings);
        if (config.parallelism() > 0) {
            env.setParallelism(config.parallelism());
        }
        DataStream<String> lines;
        try {
            lines = SavepointReader.read(env, config.savepoint().toUri().toString())
                    .readKeyedState(OperatorIdentifier.forUid(operator.uid()), rows, Types.STRING, Types.STRING);
        } catch (IOException e) {
            throw new IncompatibleSavepointException(config.savepoint() + " has no state of operator '"
                    + operator.uid() + "': not a savepoint of the scoring job (" + firstLine(e) + ")", e);
        }
        long count = 0;
        try (BufferedWriter out = Files.newBufferedWriter(file);
                CloseableIterator<String> collected = lines.executeAndCollect("flywheel-export " + operator.uid())) {
            out.write(String.join(",", columns));
            out.write('\n');
            while (collected.hasNext()) {
                out.write(collected.next());
                out.write('\n');
                count++;
            }
        } catch (RuntimeException e) {
            throw new IncompatibleSavepointException("cannot read the state of operator '" + operator.uid()
                    + "' in " + config.savepoint() + ": " + rootCause(e), e);
        }
        return count;
    }

    private static String firstLine(Throwable e) {
        String message = String.valueOf(e.getMessage());
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private static String rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + firstLine(root);
    }

    /** The command line: 0 on success, 2 for bad arguments, 1 for a savepoint it cannot read. */
    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        ExportConfig config;
        try {
            config = ExportConfig.fromArgs(args);
        } catch (InvalidJobArgumentException e) {
            err.println("flywheel-export: " + e.getMessage());
            return 2;
        }
        try {
            Summary summary = new ExportJob(config).run();
            out.printf(Locale.ROOT, "export: %d users -> %s, %d items -> %s (feature spec version %d)%n",
                    summary.users(), summary.usersFile(), summary.items(), summary.itemsFile(),
                    FeatureSpec.current().version());
            return 0;
        } catch (IncompatibleSavepointException e) {
            err.println("flywheel-export: " + e.getMessage());
            return 1;
        }
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out, System.err));
    }
}
