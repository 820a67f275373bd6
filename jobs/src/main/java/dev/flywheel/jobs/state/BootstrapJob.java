package dev.flywheel.jobs.state;

import dev.flywheel.events.ShopperEvent;
import dev.flywheel.features.UserState;
import dev.flywheel.jobs.JobArgs.InvalidJobArgumentException;
import dev.flywheel.jobs.Operator;
import dev.flywheel.jobs.events.ShopperEventTypeInfo;
import dev.flywheel.jobs.features.FeatureTypes;
import dev.flywheel.jobs.features.UserFeatures;
import dev.flywheel.jobs.scoring.ScoringFunction;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.OperatorTransformation;
import org.apache.flink.state.api.SavepointWriter;
import org.apache.flink.state.api.StateBootstrapTransformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Either;

/**
 * Bootstrap: history files in, a savepoint of the scoring job out, so a new or upgraded job starts
 * with warm features instead of state that takes weeks to fill.
 *
 * <pre>
 * history files (JSON lines | Taobao CSV) -> events, in file order --not an event--> counted, logged
 *   -> keyBy(user) -> UserFeatureStage on every event       (UserStageToEnd)
 *        at the end of the history: each user's state -> state + timers of "user-features"
 *        item events with their vector -> keyBy(item) -> ItemFeatureStage
 *                                                      -> state + timers of "item-features-and-scoring"
 * </pre>
 *
 * There is no second feature path: {@link dev.flywheel.jobs.features.UserFeatureStage} and {@link
 * dev.flywheel.jobs.features.ItemFeatureStage} are the steps the streaming operators run, with the
 * same state names, serialisers and timers; the bootstrap only carries what they leave into the
 * savepoint.
 *
 * <p>Each file is read by one reader, so each user's events arrive in file order: the order the
 * streaming job applies them in when the file is what was written to the clickstream. Timers are
 * written, never fired: a user whose TTL has passed in the history is deleted by the restored job's
 * first watermark, as streaming would have done, and features never depend on when a timer fires.
 * Operators without keyed state here (sources, sinks, outcomes, the serving configs' broadcast
 * state) start empty, so the restored job needs no {@code --allowNonRestoredState}.
 */
public final class BootstrapJob {
    private final BootstrapConfig config;

    public BootstrapJob(BootstrapConfig config) {
        this.config = config;
    }

    /** What a run did, from the job's accumulators. */
    public record Summary(long events, long rejected, long millis) {
        public double eventsPerSecond() {
            return millis == 0 ? 0 : events * 1000.0 / millis;
        }
    }

    /** Adds the bootstrap to {@code env}; {@link #run} executes it. */
    public void build(StreamExecutionEnvironment env) {
        if (config.parallelism() > 0) {
            env.setParallelism(config.parallelism());
        }
        // No function here keeps a reference to a record it was given, so chained operators may
        // hand records over without the defensive copy (a serialiser round trip per event).
        env.getConfig().enableObjectReuse();
        DataStream<ShopperEvent> events = history(env)
                .process(new SplitHistory(), ShopperEventTypeInfo.INSTANCE).name("Events (lines that are none counted)");

        SingleOutputStreamOperator<Tuple2<ShopperEvent, UserFeatures>> itemEvents = events
                .keyBy(ShopperEvent::userId, Types.STRING)
                .process(new UserStageToEnd(config.features()), FeatureTypes.EVENT_WITH_USER)
                .name(Operator.USER_FEATURES.name() + ", to the end of the history");
        StateBootstrapTransformation<Tuple3<String, UserState, Long>> users = OperatorTransformation
                .bootstrapWith(itemEvents.getSideOutput(UserStageToEnd.FINAL_STATE))
                .keyBy(last -> last.f0, Types.STRING)
                .transform(new UserStateWriter());
        StateBootstrapTransformation<Tuple2<ShopperEvent, UserFeatures>> items = OperatorTransformation
                .bootstrapWith(itemEvents)
                .keyBy(ScoringFunction::key, Types.STRING)
                .transform(new ItemStateBootstrap(config.features()));

        SavepointWriter.newSavepoint(env, config.maxParallelism())
                .withOperator(OperatorIdentifier.forUid(Operator.USER_FEATURES.uid()), users)
                .withOperator(OperatorIdentifier.forUid(Operator.SCORING.uid()), items)
                .write(config.savepoint().toUri().toString());
    }

    /** Builds and runs the bootstrap in {@code env}; returns when the savepoint is complete. */
    public Summary run(StreamExecutionEnvironment env) throws Exception {
        build(env);
        long started = System.nanoTime();
        JobExecutionResult result = env.execute("flywheel-bootstrap");
        long millis = (System.nanoTime() - started) / 1_000_000;
        return new Summary(counter(result, SplitHistory.EVENTS), counter(result, SplitHistory.REJECTED), millis);
    }

    private DataStream<Either<String, ShopperEvent>> history(StreamExecutionEnvironment env) {
        Map<HistoryFormat.Kind, List<org.apache.flink.core.fs.Path>> byFormat = new EnumMap<>(HistoryFormat.Kind.class);
        for (Path input : config.inputs()) {
            byFormat.computeIfAbsent(config.formatOf(input), kind -> new ArrayList<>())
                    .add(new org.apache.flink.core.fs.Path(input.toAbsolutePath().toUri()));
        }
        DataStream<Either<String, ShopperEvent>> all = null;
        for (var entry : byFormat.entrySet()) {
            FileSource<Either<String, ShopperEvent>> source = FileSource
                    .forRecordStreamFormat(new HistoryFormat(entry.getKey()),
                            entry.getValue().toArray(org.apache.flink.core.fs.Path[]::new))
                    .build();
            String name = "History (" + entry.getKey().name().toLowerCase(Locale.ROOT) + ")";
            DataStream<Either<String, ShopperEvent>> stream =
                    env.fromSource(source, WatermarkStrategy.noWatermarks(), name, HistoryFormat.PARSED);
            all = all == null ? stream : all.union(stream);
        }
        return all;
    }

    private static long counter(JobExecutionResult result, String name) {
        Object value = result.getAllAccumulatorResults().get(name);
        return value == null ? 0 : ((Number) value).longValue();
    }

    /** The command line: 0 on success, 2 for bad arguments. */
    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        BootstrapConfig config;
        try {
            config = BootstrapConfig.fromArgs(args);
        } catch (InvalidJobArgumentException e) {
            err.println("flywheel-bootstrap: " + e.getMessage());
            return 2;
        }
        Summary summary = new BootstrapJob(config).run(StreamExecutionEnvironment.getExecutionEnvironment());
        out.printf(Locale.ROOT, "bootstrap: %d events (%d lines skipped) -> savepoint %s (%.1f s, %.0f events/s)%n",
                summary.events(), summary.rejected(), config.savepoint(), summary.millis() / 1000.0,
                summary.eventsPerSecond());
        return 0;
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out, System.err));
    }
}
