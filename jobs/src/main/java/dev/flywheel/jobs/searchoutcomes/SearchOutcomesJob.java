package dev.flywheel.jobs.searchoutcomes;

import dev.flywheel.events.DeadLetter;
import dev.flywheel.events.ShopperEvent;
import dev.flywheel.jobs.FlinkSettings;
import dev.flywheel.jobs.JobArgs.InvalidJobArgumentException;
import dev.flywheel.jobs.KafkaConnectors;
import dev.flywheel.jobs.Operator;
import dev.flywheel.jobs.ingest.Clickstream;
import dev.flywheel.jobs.ingest.DeadLetterRecordSerializer;
import dev.flywheel.jobs.ingest.ParsingDeserializer;
import dev.flywheel.outcomes.SearchOutcome;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Either;

/**
 * Learning from clicks: every served search result list becomes a ranker training row.
 *
 * <pre>
 * clickstream -> parse + validate, watermarks per partition --invalid--> clickstream.dlq
 *             -> keyBy(user)  result lists x the clicks and purchases that follow, until the window closes
 *             -> search-outcomes (exactly-once)
 * </pre>
 *
 * Keyed by user, like the clickstream itself: a search, its clicks and the purchases after them are
 * one shopper's events, in one partition, in order. Its own job rather than a stage of the scoring
 * job: the search loop can run, restart and scale without touching the propensity model's serving.
 */
public final class SearchOutcomesJob {
    private final SearchOutcomesConfig config;
    private final Source<Either<DeadLetter, ShopperEvent>, ?, ?> clickstream;
    private final Sink<SearchOutcome> searchOutcomes;
    private final Sink<DeadLetter> deadLetters;

    public SearchOutcomesJob(SearchOutcomesConfig config, Source<Either<DeadLetter, ShopperEvent>, ?, ?> clickstream,
            Sink<SearchOutcome> searchOutcomes, Sink<DeadLetter> deadLetters) {
        this.config = config;
        this.clickstream = clickstream;
        this.searchOutcomes = searchOutcomes;
        this.deadLetters = deadLetters;
    }

    public static SearchOutcomesJob onKafka(SearchOutcomesConfig config) {
        return onKafka(config, new ParsingDeserializer(config.job().maxPayloadBytes()));
    }

    /** As {@link #onKafka(SearchOutcomesConfig)}, parsing the clickstream with {@code parser}. */
    public static SearchOutcomesJob onKafka(SearchOutcomesConfig config,
            KafkaRecordDeserializationSchema<Either<DeadLetter, ShopperEvent>> parser) {
        KafkaConnectors kafka = new KafkaConnectors(config.job().kafka(), "flywheel-search-outcomes");
        return new SearchOutcomesJob(config,
                kafka.source(config.job().clickstreamTopic(), parser),
                kafka.sink(new SearchOutcomeRecordSerializer(config.searchOutcomesTopic()), "search-outcomes",
                        DeliveryGuarantee.EXACTLY_ONCE),
                kafka.sink(new DeadLetterRecordSerializer(config.job().deadLetterTopic()), "dlq"));
    }

    public void build(StreamExecutionEnvironment env) {
        FlinkSettings.apply(env, config.job());
        Clickstream.events(env, clickstream, config.job(), deadLetters)
                .keyBy(ShopperEvent::userId, Types.STRING)
                .process(new SearchOutcomeFunction(config.attribution(), config.job().maxOutOfOrderness()),
                        SearchOutcomeFunction.SEARCH_OUTCOME)
                .uid(Operator.SEARCH_OUTCOMES.uid()).name(Operator.SEARCH_OUTCOMES.name())
                .sinkTo(searchOutcomes).uid(Operator.SEARCH_OUTCOMES_SINK.uid()).name(Operator.SEARCH_OUTCOMES_SINK.name());
    }

    public static void main(String[] args) throws Exception {
        SearchOutcomesConfig config;
        try {
            config = SearchOutcomesConfig.fromArgs(args);
        } catch (InvalidJobArgumentException e) {
            System.err.println("flywheel-search-outcomes: " + e.getMessage());
            System.exit(2);
            return;
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        onKafka(config).build(env);
        env.execute("flywheel-search-outcomes");
    }
}
