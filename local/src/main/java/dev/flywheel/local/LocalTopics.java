package dev.flywheel.local;

import dev.flywheel.events.Topics;
import java.util.List;
import java.util.Objects;

/**
 * The Kafka topics a local run reads and writes, by role. The defaults are the project's names
 * ({@link Topics}); on a Kafka of your own ({@code --bootstrap}) each can be renamed, so a run can
 * use topics of its own beside others. {@code model-updates} and {@code model-health} keep their
 * names: the registry and the monitor own them.
 */
record LocalTopics(String clickstream, String deadLetters, String late, String analytics, String decisions,
                   String outcomes) {

    LocalTopics {
        for (String name : List.of(clickstream, deadLetters, late, analytics, decisions, outcomes)) {
            Objects.requireNonNull(name, "topic");
            if (!name.matches("[a-zA-Z0-9._-]{1,249}")) {
                throw new IllegalArgumentException("not a Kafka topic name: '" + name + "'");
            }
        }
        if (List.of(clickstream, deadLetters, late, analytics, decisions, outcomes).stream().distinct().count() != 6) {
            throw new IllegalArgumentException("each topic needs a name of its own: " + List.of(clickstream, deadLetters, late,
                    analytics, decisions, outcomes));
        }
    }

    static LocalTopics defaults() {
        return new LocalTopics(Topics.CLICKSTREAM, Topics.CLICKSTREAM_DLQ, Topics.CLICKSTREAM_LATE, Topics.ANALYTICS,
                Topics.DECISIONS, Topics.OUTCOMES);
    }

    /** The jobs' arguments that name these topics. */
    java.util.Map<String, String> jobArguments() {
        return java.util.Map.of("clickstream-topic", clickstream, "dlq-topic", deadLetters, "late-topic", late);
    }
}
