package dev.flywheel.jobs.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.jobs.FlinkSettings;
import dev.flywheel.jobs.JobArgs;
import dev.flywheel.jobs.Operator;
import dev.flywheel.jobs.analytics.AnalyticsConfig;
import dev.flywheel.jobs.analytics.AnalyticsJob;
import dev.flywheel.jobs.monitor.MonitorConfig;
import dev.flywheel.jobs.monitor.MonitorJob;
import dev.flywheel.jobs.scoring.ScoringConfig;
import dev.flywheel.jobs.scoring.ScoringJob;
import dev.flywheel.jobs.searchoutcomes.SearchOutcomesConfig;
import dev.flywheel.jobs.searchoutcomes.SearchOutcomesJob;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Savepoint state is bound to operator uids. Each job's operators are checked against a golden
 * list kept with the tests ({@code operator-uids/<job>.txt}: uid, and whether it holds keyed
 * state): a new operator without a uid, a renamed uid (which orphans its state) or an operator
 * nobody listed fails the build until the list is edited on purpose, in the same review as the
 * change. Every uid must also come from {@link Operator}, never be written inline.
 */
class OperatorUidsTest {

    private static final String SINK_COMMITTER = "Sink Committer: ";

    private static final Map<String, Consumer<StreamExecutionEnvironment>> JOBS = Map.of(
            "analytics", env -> AnalyticsJob.onKafka(AnalyticsConfig.from(kafka())).build(env),
            "scoring", env -> ScoringJob.onKafka(ScoringConfig.from(kafka())).build(env),
            "scoring-with-features", env -> ScoringJob.onKafka(ScoringConfig.from(JobArgs.of(Map.of(
                    "bootstrap", "localhost:9092", "features-topic", "features")))).build(env),
            "monitor", env -> MonitorJob.onKafka(MonitorConfig.from(kafka())).build(env),
            "search-outcomes", env -> SearchOutcomesJob.onKafka(SearchOutcomesConfig.from(kafka())).build(env));

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"analytics", "scoring", "scoring-with-features", "monitor", "search-outcomes"})
    void operatorUidsAreTheGoldenList(String job) throws IOException {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        JOBS.get(job).accept(env);
        StreamGraph graph = env.getStreamGraph();

        List<String> withoutUid = new ArrayList<>();
        Set<String> actual = new TreeSet<>();
        for (StreamNode node : graph.getStreamNodes()) {
            String uid = node.getTransformationUID();
            if (uid == null) {
                withoutUid.add(node.getOperatorName());
            } else {
                actual.add(uid + (node.getStateKeySerializer() != null ? " keyed" : ""));
            }
        }
        String listed = "operator-uids/" + job + ".txt";
        assertThat(withoutUid).as("operators without a uid in the %s job", job).isEmpty();
        assertThat(actual).as("the %s job's operators (uid [keyed]) against %s: edit the list on purpose,"
                + " renaming a uid orphans its savepoint state", job, listed).containsExactlyElementsOf(golden(listed));
        Set<String> declared = Arrays.stream(Operator.class.getFields())
                .filter(field -> Modifier.isStatic(field.getModifiers()) && field.getType() == Operator.class)
                .map(field -> {
                    try {
                        return ((Operator) field.get(null)).uid();
                    } catch (IllegalAccessException e) {
                        throw new IllegalStateException(e);
                    }
                }).collect(Collectors.toSet());
        // Flink names a sink's committer after the sink's uid; the sink's own uid is what is declared.
        assertThat(actual.stream().map(line -> line.replace(SINK_COMMITTER, "").split(" ")[0]))
                .as("uids not declared in Operator").allMatch(declared::contains);
    }

    @Test
    void aStatefulOperatorWithoutUidFailsTheBuild() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        FlinkSettings.apply(env, ScoringConfig.from(kafka()).job());
        env.fromData("a", "b").uid("letters")
                .keyBy(letter -> letter, Types.STRING)
                .process(new UserlessCount(), Types.LONG)
                .sinkTo(new DiscardingSink<>()).uid("discard");
        assertThatThrownBy(env::getStreamGraph).hasMessageContaining("UID");
    }

    /** A keyed operator that keeps state, as a new feature stage would. */
    private static final class UserlessCount extends KeyedProcessFunction<String, String, Long> {
        @Override
        public void processElement(String letter, Context ctx, Collector<Long> out) throws Exception {
            var seen = getRuntimeContext().getState(new ValueStateDescriptor<>("seen", Types.LONG));
            seen.update(seen.value() == null ? 1L : seen.value() + 1);
            out.collect(seen.value());
        }
    }

    private static Set<String> golden(String resource) throws IOException {
        try (InputStream in = OperatorUidsTest.class.getClassLoader().getResourceAsStream(resource)) {
            assertThat(in).as("golden list %s", resource).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .map(String::strip).filter(line -> !line.isEmpty() && !line.startsWith("#"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static JobArgs kafka() {
        return JobArgs.of(Map.of("bootstrap", "localhost:9092"));
    }
}
