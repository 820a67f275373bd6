package dev.flywheel.local;

import dev.flywheel.events.EventCodec;
import dev.flywheel.events.Topics;
import dev.flywheel.jobs.JobArgs;
import dev.flywheel.jobs.analytics.AnalyticsConfig;
import dev.flywheel.jobs.analytics.AnalyticsJob;
import dev.flywheel.jobs.analytics.MinuteAnalytics;
import dev.flywheel.simulator.ClickstreamProducer;
import dev.flywheel.simulator.DriftScenario;
import dev.flywheel.simulator.KeyedRecord;
import dev.flywheel.simulator.Pacing;
import dev.flywheel.simulator.RecordStream;
import dev.flywheel.simulator.ShopSimulator;
import dev.flywheel.simulator.SimulatedClickstream;
import dev.flywheel.simulator.SimulatorConfig;
import dev.flywheel.simulator.TaobaoReplay;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * One command for the whole loop on one machine: Kafka and Flink in this JVM, shop traffic flowing
 * in, the analytics job running, and a status line every second until {@code --seconds} or Ctrl-C.
 */
@Command(name = "run-local.sh", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Runs Flywheel on the embedded stack: Kafka (KRaft) and a Flink MiniCluster in one JVM.")
public final class FlywheelLocal implements java.util.concurrent.Callable<Integer> {

    @Option(names = "--seconds", description = "Stop after this many seconds (default: run until Ctrl-C).")
    long seconds;

    @Option(names = "--rate", description = "Events per second sent into clickstream (default: ${DEFAULT-VALUE}).")
    double rate = 2_000;

    @Option(names = "--seed", description = "Simulator seed (default: ${DEFAULT-VALUE}).")
    long seed = 42;

    @Option(names = "--users", description = "Simulated shoppers (default: ${DEFAULT-VALUE}).")
    int users = 100_000;

    @Option(names = "--malformed-rate", description = "Share of records replaced by malformed ones (default: ${DEFAULT-VALUE}).")
    double malformedRate = 0.005;

    @Option(names = "--drift", description = "Scripted drift in simulated time, e.g. preference_shift@2h,price_shock@3h:1.5,bot_burst@4h+20m.")
    String drift;

    @Option(names = "--taobao", description = "Replay this Taobao UserBehavior CSV instead of simulating.")
    Path taobao;

    @Option(names = "--speedup", description = "With --taobao: event-time speed-up, 0 = as fast as --rate allows (default: ${DEFAULT-VALUE}).")
    double speedup = 0;

    @Option(names = "--parallelism", description = "Flink job parallelism (default: ${DEFAULT-VALUE}).")
    int parallelism = 2;

    @Option(names = "--ui-port", description = "Flink web UI port; the next free one is taken if busy (default: ${DEFAULT-VALUE}).")
    int uiPort = 8081;

    private final PrintStream out = System.out;

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new FlywheelLocal());
        cli.setParameterExceptionHandler((e, argv) -> {
            System.err.println("run-local: " + e.getMessage() + " (see --help)");
            return 2;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            System.err.println("run-local: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return 1;
        });
        System.exit(cli.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        validate();
        long started = System.nanoTime();
        out.println("starting Kafka (KRaft) and a Flink MiniCluster...");
        LocalStack stack = LocalStack.start(uiPort, Math.max(4, parallelism * 2), 4);
        CountDownLatch finished = new CountDownLatch(1);
        Thread shutdownHook = new Thread(() -> {
            stopRequested = true;
            try {
                finished.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "flywheel-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        try {
            run(stack, started);
        } finally {
            stack.close();
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook is what is waiting for us.
            }
        }
        return 0;
    }

    private volatile boolean stopRequested;

    private void run(LocalStack stack, long started) throws Exception {
        AnalyticsConfig config = AnalyticsConfig.from(JobArgs.of(Map.of(
                "bootstrap", stack.kafkaBootstrap(),
                "starting-offsets", "earliest",
                "parallelism", Integer.toString(parallelism))));
        StreamExecutionEnvironment env = stack.flinkEnvironment();
        AnalyticsJob.onKafka(config).build(env);
        JobClient job = stack.submit(env, "flywheel-analytics");
        JobMetrics metrics = new JobMetrics(stack.flinkWebUi(), job.getJobID().toHexString());

        RecordStream records = records();
        AtomicLong sent = new AtomicLong();
        Thread producer = new Thread(() -> {
            try (ClickstreamProducer kafka = ClickstreamProducer.kafka(stack.kafkaBootstrap(), Topics.CLICKSTREAM)) {
                kafka.produce(untilStopped(records, sent), pacing(), null, progress -> { });
            }
        }, "flywheel-simulator");
        producer.setDaemon(true);
        producer.start();

        out.printf("Kafka %s | Flink web UI %s | job %s | ready in %.1f s%n", stack.kafkaBootstrap(),
                stack.flinkWebUi(), job.getJobID(), (System.nanoTime() - started) / 1e9);
        out.println("stop with Ctrl-C" + (seconds > 0 ? " or wait " + seconds + " s" : ""));

        StatusLine status = new StatusLine();
        long runStart = System.nanoTime();
        try (AnalyticsTail tail = new AnalyticsTail(stack.kafkaBootstrap())) {
            while (!stopRequested && (seconds <= 0 || System.nanoTime() - runStart < seconds * 1_000_000_000L)
                    && producer.isAlive()) {
                long until = System.nanoTime() + 1_000_000_000L;
                while (System.nanoTime() < until && !stopRequested) {
                    tail.poll();
                }
                Map<String, Long> counters = metrics.sums(List.of("eventsAccepted", "eventsRejected", "eventsLate"));
                out.println(status.line((System.nanoTime() - runStart) / 1e9, sent.get(), counters,
                        tail.deadLetters(), tail.latestMinute()));
            }
            stopRequested = true;
            producer.join(10_000);
            Map<String, Long> counters = metrics.sums(List.of("eventsAccepted", "eventsRejected", "eventsLate"));
            double elapsed = (System.nanoTime() - runStart) / 1e9;
            long processed = counters.getOrDefault("eventsAccepted", 0L) + counters.getOrDefault("eventsRejected", 0L);
            out.printf("stopped after %.0f s: sent %,d records (%,.0f/s), job parsed %,d (%,.0f/s), %,d dead-lettered,"
                            + " %,d minutes of analytics published%n",
                    elapsed, sent.get(), sent.get() / elapsed, processed, processed / elapsed,
                    counters.getOrDefault("eventsRejected", 0L), tail.minutesPublished());
            job.cancel().get(30, TimeUnit.SECONDS);
        }
    }

    private RecordStream records() throws Exception {
        if (taobao != null) {
            return TaobaoReplay.open(taobao).records(new EventCodec());
        }
        SimulatorConfig config = SimulatorConfig.defaults(seed).withUsers(users)
                .withDrift(drift == null ? List.of() : DriftScenario.parseList(drift));
        return new SimulatedClickstream(new ShopSimulator(config), Long.MAX_VALUE, malformedRate);
    }

    private Pacing pacing() {
        return taobao != null && speedup > 0 ? Pacing.eventTime(speedup) : Pacing.eventsPerSecond(rate);
    }

    private Iterator<KeyedRecord> untilStopped(Iterator<KeyedRecord> records, AtomicLong sent) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return !stopRequested && records.hasNext();
            }

            @Override
            public KeyedRecord next() {
                sent.incrementAndGet();
                return records.next();
            }
        };
    }

    private void validate() {
        if (seconds < 0) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--seconds must not be negative");
        }
        if (!(rate > 0)) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--rate must be positive");
        }
        if (!(malformedRate >= 0 && malformedRate <= 1)) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--malformed-rate must be in [0, 1]");
        }
        if (parallelism < 1) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--parallelism must be at least 1");
        }
        if (taobao != null && !Files.isRegularFile(taobao)) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--taobao: no such file " + taobao);
        }
        if (drift != null) {
            try {
                DriftScenario.parseList(drift);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--drift: " + e.getMessage());
            }
        }
    }

    /**
     * Formats one status line. Rates are over the last five lines: Flink's REST metrics refresh about
     * once a second but not in step with this loop, so a one-second difference jumps between 0 and 2x.
     */
    static final class StatusLine {
        private static final int WINDOW = 5;
        private final java.util.ArrayDeque<double[]> history = new java.util.ArrayDeque<>();

        String line(double seconds, long sent, Map<String, Long> counters, long deadLetters, MinuteAnalytics minute) {
            long parsed = counters.getOrDefault("eventsAccepted", 0L) + counters.getOrDefault("eventsRejected", 0L);
            double[] oldest = history.isEmpty() ? new double[] {0, 0, 0} : history.peekFirst();
            double dt = Math.max(1e-3, seconds - oldest[0]);
            history.addLast(new double[] {seconds, sent, parsed});
            if (history.size() > WINDOW) {
                history.removeFirst();
            }
            return String.format("[%4.0fs] in %,6.0f ev/s (%,d) | job %,6.0f ev/s (%,d) | dlq %,d | late %,d | %s",
                    seconds, (sent - oldest[1]) / dt, sent, (parsed - oldest[2]) / dt, parsed, deadLetters,
                    counters.getOrDefault("eventsLate", 0L), describe(minute));
        }

        private static String describe(MinuteAnalytics m) {
            if (m == null) {
                return "first minute not closed yet";
            }
            Map<String, Long> f = m.eventsByType();
            return String.format("%s view %d search %d click %d cart %d buy %d | conv %.1f%% | rev %,.2f",
                    Instant.ofEpochMilli(m.windowStart()).toString().substring(0, 16), f.get("view"), f.get("search"),
                    f.get("click"), f.get("add_to_cart"), f.get("purchase"), 100 * m.conversionRate(), m.revenue());
        }
    }
}
