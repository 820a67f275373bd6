package dev.flywheel.simulator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scripted change to the shop, so that drift detection can be tested against a known cause.
 *
 * <p>Written {@code kind@start[+length][:magnitude]}, several separated by commas, for example
 * {@code preference_shift@2h,price_shock@3h:1.5,bot_burst@4h+20m,winback_campaign@5h}. Times are
 * offsets from the simulation start, in {@code ms}, {@code s}, {@code m}, {@code h}, {@code d},
 * combinable ({@code 1h30m}). Without a length the scenario lasts to the end of the run.
 *
 * @param kind      what changes
 * @param start     offset from the simulation start
 * @param length    how long it lasts, or {@code null} for the rest of the run
 * @param magnitude kind-specific strength; see {@link Kind}
 */
public record DriftScenario(Kind kind, Duration start, Duration length, double magnitude) {

    public enum Kind {
        /** Magnitude: the fraction of shoppers whose category preferences rotate to other categories. */
        PREFERENCE_SHIFT(1.0),
        /** Magnitude: the factor every price is multiplied by; buy probability falls per price sensitivity. */
        PRICE_SHOCK(1.5),
        /** Magnitude: bot sessions started per shopper session; bots view and click fast and never buy. */
        BOT_BURST(0.2),
        /**
         * Magnitude: log-odds added to the buy probability of the shop's rare buyers (shoppers whose
         * baseline propensity is below the median), as a voucher campaign aimed at them would. A
         * concept drift: who buys changes before what anyone's features say does, and a shopper's
         * own conversion history, the strongest sign of buying before, now points the wrong way for
         * half of them; a model trained after the start sees it through the same history features.
         */
        WINBACK_CAMPAIGN(4.0);

        private final double defaultMagnitude;

        Kind(double defaultMagnitude) {
            this.defaultMagnitude = defaultMagnitude;
        }

        public double defaultMagnitude() {
            return defaultMagnitude;
        }

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final Pattern SCENARIO =
            Pattern.compile("([a-z_]+)@([0-9a-z]+)(?:\\+([0-9a-z]+))?(?::([0-9]*\\.?[0-9]+))?");
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    public DriftScenario {
        if (kind == null || start == null) {
            throw new IllegalArgumentException("a drift scenario needs a kind and a start");
        }
        if (start.isNegative() || (length != null && (length.isNegative() || length.isZero()))) {
            throw new IllegalArgumentException("drift start must be >= 0 and length > 0: " + start + " / " + length);
        }
        if (!(magnitude > 0) || Double.isInfinite(magnitude)) {
            throw new IllegalArgumentException("drift magnitude must be positive, got " + magnitude);
        }
        if (kind == Kind.PREFERENCE_SHIFT && magnitude > 1) {
            throw new IllegalArgumentException("preference_shift magnitude is a fraction of shoppers, at most 1");
        }
    }

    public static DriftScenario of(Kind kind, Duration start) {
        return new DriftScenario(kind, start, null, kind.defaultMagnitude());
    }

    /** True when this scenario is in force at {@code ts}, for a run that started at {@code runStartMs}. */
    public boolean activeAt(long ts, long runStartMs) {
        long offset = ts - runStartMs;
        long from = start.toMillis();
        return offset >= from && (length == null || offset < from + length.toMillis());
    }

    /** Parses a comma-separated list; an empty or blank text is no drift. */
    public static List<DriftScenario> parseList(String spec) {
        List<DriftScenario> scenarios = new ArrayList<>();
        if (spec == null || spec.isBlank()) {
            return scenarios;
        }
        for (String part : spec.split(",")) {
            scenarios.add(parse(part.trim()));
        }
        return scenarios;
    }

    public static DriftScenario parse(String text) {
        Matcher m = SCENARIO.matcher(text.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "bad drift scenario '" + text + "', expected kind@start[+length][:magnitude], e.g. price_shock@3h:1.5");
        }
        Kind kind = kindNamed(m.group(1));
        Duration length = m.group(3) == null ? null : parseDuration(m.group(3));
        double magnitude = m.group(4) == null ? kind.defaultMagnitude() : Double.parseDouble(m.group(4));
        return new DriftScenario(kind, parseDuration(m.group(2)), length, magnitude);
    }

    /** Parses {@code 90s}, {@code 20m}, {@code 1h30m}, {@code 2d}, {@code 0}. */
    public static Duration parseDuration(String text) {
        if (text.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = DURATION_PART.matcher(text);
        Duration total = Duration.ZERO;
        int consumed = 0;
        while (m.find() && m.start() == consumed) {
            long amount = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            });
            consumed = m.end();
        }
        if (consumed == 0 || consumed != text.length()) {
            throw new IllegalArgumentException("bad duration '" + text + "', expected e.g. 90s, 20m, 1h30m, 2d");
        }
        return total;
    }

    private static Kind kindNamed(String name) {
        for (Kind kind : Kind.values()) {
            if (kind.wireName().equals(name)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown drift kind '" + name
                + "', expected preference_shift, price_shock, bot_burst or winback_campaign");
    }

    /** The scenario in the syntax {@link #parse} reads. */
    @Override
    public String toString() {
        return kind.wireName() + "@" + formatDuration(start)
                + (length == null ? "" : "+" + formatDuration(length))
                + ":" + magnitude;
    }

    private static String formatDuration(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
