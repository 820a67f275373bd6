package dev.flywheel.simulator;

import dev.flywheel.events.EventCodec;
import dev.flywheel.events.Topics;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code flywheel-simulator}: sends simulated or replayed shopper events to Kafka or a JSON-lines file.
 * Bad arguments and failures print one line on stderr and exit non-zero.
 */
@Command(name = "flywheel-simulator", mixinStandardHelpOptions = true,
        description = "Generates or replays shopper events for Flywheel.",
        subcommands = {SimulatorCli.Generate.class, SimulatorCli.ReplayTaobao.class, SimulatorCli.SendEvents.class})
public final class SimulatorCli implements Runnable {
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;

    @Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.err, true)));
    }

    /** Runs the command and returns its exit code; everything for the user goes to {@code err}. */
    public static int execute(String[] args, PrintWriter err) {
        CommandLine commandLine = new CommandLine(new SimulatorCli());
        commandLine.setErr(err);
        commandLine.setParameterExceptionHandler((ParameterException e, String[] ignored) -> {
            e.getCommandLine().getErr().println("flywheel-simulator: " + e.getMessage()
                    + " (see --help)");
            return EXIT_USAGE;
        });
        commandLine.setExecutionExceptionHandler((e, cmd, parseResult) -> {
            cmd.getErr().println("flywheel-simulator: " + oneLine(e));
            return EXIT_FAILURE;
        });
        return commandLine.execute(args);
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command: generate, replay-taobao or send-events");
    }

    private static String oneLine(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getMessage() == null) {
            cause = cause.getCause();
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return message.replace('\n', ' ');
    }

    /** Kafka or a file: exactly one. */
    static final class SinkOptions {
        @Option(names = "--bootstrap", paramLabel = "HOST:PORT", required = true,
                description = "Kafka bootstrap servers")
        String bootstrap;

        @Option(names = "--out", paramLabel = "FILE", required = true,
                description = "JSON-lines file, or - for standard output")
        String out;
    }

    abstract static class SendingCommand implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @ArgGroup(exclusive = true, multiplicity = "1")
        SinkOptions sink;

        @Option(names = "--topic", defaultValue = Topics.CLICKSTREAM,
                description = "Kafka topic (default: ${DEFAULT-VALUE})")
        String topic;

        RecordSink openSink() {
            return sink.bootstrap != null ? new KafkaRecordSink(sink.bootstrap, topic) : JsonLinesSink.open(sink.out);
        }

        void printProgress(ClickstreamProducer.Progress progress) {
            spec.commandLine().getErr().printf(Locale.ROOT,
                    "sent %,d events (%,.0f/s), malformed %,d, event clock %s%n",
                    progress.sent(), progress.eventsPerSecond(), progress.malformed(),
                    progress.sent() == 0 ? "-" : Instant.ofEpochMilli(progress.eventTimeMs()));
        }

        static ParameterException bad(CommandLine commandLine, String message) {
            return new ParameterException(commandLine, message);
        }
    }

    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = "Simulates a shop and sends its events.")
    static final class Generate extends SendingCommand {
        @Option(names = "--seed", defaultValue = "42", description = "random seed (default: ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--users", defaultValue = "100000", description = "shoppers (default: ${DEFAULT-VALUE})")
        int users;

        @Option(names = "--items", defaultValue = "10000", description = "catalogue items (default: ${DEFAULT-VALUE})")
        int items;

        @Option(names = "--categories", defaultValue = "20", description = "categories (default: ${DEFAULT-VALUE})")
        int categories;

        @Option(names = "--sessions-per-second", defaultValue = "2.0",
                description = "session arrivals per simulated second (default: ${DEFAULT-VALUE})")
        double sessionsPerSecond;

        @Option(names = "--start", defaultValue = "2026-01-01T00:00:00Z",
                description = "simulated start instant, ISO-8601, or 'now' (default: ${DEFAULT-VALUE})")
        String start;

        static final class Amount {
            @Option(names = "--events", paramLabel = "N", description = "send N events (default: 100000)")
            Long events;

            @Option(names = "--seconds", paramLabel = "S", description = "send for S wall-clock seconds")
            Long seconds;
        }

        @ArgGroup(exclusive = true)
        Amount amount;

        @Option(names = "--rate", defaultValue = "0",
                description = "target events per wall-clock second, 0 = as fast as possible (default: ${DEFAULT-VALUE})")
        double rate;

        @Option(names = "--malformed-rate", defaultValue = "0",
                description = "fraction of records replaced by malformed ones (default: ${DEFAULT-VALUE})")
        double malformedRate;

        @Option(names = "--drift", paramLabel = "SPEC", defaultValue = "",
                description = "drift scenarios, e.g. preference_shift@2h,price_shock@3h:1.5,bot_burst@4h+20m")
        String drift;

        @Override
        public Integer call() {
            CommandLine commandLine = spec.commandLine();
            SimulatorConfig config = config(commandLine);
            if (rate < 0) {
                throw bad(commandLine, "--rate must be >= 0, got " + rate);
            }
            if (!(malformedRate >= 0 && malformedRate <= 1)) {
                throw bad(commandLine, "--malformed-rate must be between 0 and 1, got " + malformedRate);
            }
            long events = amount == null || amount.events == null
                    ? (amount != null && amount.seconds != null ? Long.MAX_VALUE : 100_000) : amount.events;
            if (events < 0 || (amount != null && amount.seconds != null && amount.seconds <= 0)) {
                throw bad(commandLine, "--events must be >= 0 and --seconds > 0");
            }
            Duration wallLimit = amount != null && amount.seconds != null ? Duration.ofSeconds(amount.seconds) : null;
            SimulatedClickstream stream = new SimulatedClickstream(new ShopSimulator(config), events, malformedRate);
            try (ClickstreamProducer producer = new ClickstreamProducer(openSink())) {
                producer.produce(stream, Pacing.eventsPerSecond(rate), wallLimit, this::printProgress);
            }
            commandLine.getErr().println("sent " + stream.counts());
            return 0;
        }

        private SimulatorConfig config(CommandLine commandLine) {
            long startMs;
            try {
                startMs = start.equals("now") ? System.currentTimeMillis() : Instant.parse(start).toEpochMilli();
            } catch (DateTimeParseException e) {
                throw bad(commandLine, "--start must be an ISO-8601 instant or 'now', got '" + start + "'");
            }
            try {
                List<DriftScenario> scenarios = DriftScenario.parseList(drift);
                return new SimulatorConfig(seed, users, items, categories, startMs, sessionsPerSecond, scenarios);
            } catch (IllegalArgumentException e) {
                throw bad(commandLine, e.getMessage());
            }
        }
    }

    @Command(name = "replay-taobao", mixinStandardHelpOptions = true,
            description = "Replays the Alibaba UserBehavior CSV as shopper events.")
    static final class ReplayTaobao extends SendingCommand {
        @Option(names = "--file", required = true, description = "UserBehavior CSV (user,item,category,behavior,ts)")
        Path file;

        @Option(names = "--speedup", defaultValue = "60",
                description = "event time runs this many times faster than the wall clock, 0 = as fast as possible "
                        + "(default: ${DEFAULT-VALUE})")
        double speedup;

        @Override
        public Integer call() {
            CommandLine commandLine = spec.commandLine();
            if (!Files.isReadable(file)) {
                throw bad(commandLine, "cannot read --file " + file);
            }
            if (speedup < 0) {
                throw bad(commandLine, "--speedup must be >= 0, got " + speedup);
            }
            try (TaobaoReplay replay = TaobaoReplay.open(file);
                 ClickstreamProducer producer = new ClickstreamProducer(openSink())) {
                RecordStream records = replay.records(new EventCodec());
                producer.produce(records, Pacing.eventTime(speedup), null, this::printProgress);
                commandLine.getErr().println("sent " + records.counts());
            }
            return 0;
        }
    }

    @Command(name = "send-events", mixinStandardHelpOptions = true,
            description = "Sends your own JSON-lines event file (docs/events.md) at a rate, in time order:"
                    + " a file that is not is sorted in memory up to --sort-limit records, or refused.")
    static final class SendEvents extends SendingCommand {
        @Option(names = "--file", required = true, paramLabel = "FILE", description = "JSON-lines events, one per line")
        Path file;

        @Option(names = "--rate", defaultValue = "1000",
                description = "events per second, 0 = as fast as possible (default: ${DEFAULT-VALUE})")
        double rate;

        @Option(names = "--sort-limit", paramLabel = "N", defaultValue = "" + EventFile.DEFAULT_SORT_LIMIT,
                description = "largest out-of-order file sorted in memory, in records (default: ${DEFAULT-VALUE},"
                        + " about 320 MB of heap per million 200-byte records)")
        int sortLimit;

        @Override
        public Integer call() {
            CommandLine commandLine = spec.commandLine();
            if (!Files.isReadable(file)) {
                throw bad(commandLine, "cannot read --file " + file);
            }
            if (rate < 0) {
                throw bad(commandLine, "--rate must be >= 0, got " + rate);
            }
            if (sortLimit < 0) {
                throw bad(commandLine, "--sort-limit must be >= 0, got " + sortLimit);
            }
            EventFile.Opened opened = EventFile.open(file, sortLimit, EventFile.DEFAULT_TOLERANCE, new EventCodec());
            commandLine.getErr().println(file + ": " + opened.order().describe()
                    + (opened.sorted() ? "; sorted by ts in memory" : ""));
            try (ClickstreamProducer producer = new ClickstreamProducer(openSink())) {
                producer.produce(opened.records(), rate == 0 ? Pacing.unlimited() : Pacing.eventsPerSecond(rate), null,
                        this::printProgress);
                commandLine.getErr().println("sent " + opened.records().counts());
            }
            return 0;
        }
    }
}
