package dev.flywheel.jobs;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.util.ParameterTool;
import org.apache.flink.util.TimeUtils;

/**
 * Typed access to {@code --name value} job arguments that fails with one readable line. Names a
 * job does not know are refused, so a typo is an error instead of a silently ignored setting.
 */
public final class JobArgs {
    private final ParameterTool params;

    private JobArgs(ParameterTool params) {
        this.params = params;
    }

    /** Parses arguments, refusing any name outside {@code known}. */
    public static JobArgs parse(String[] args, Set<String> known) {
        ParameterTool params;
        try {
            params = ParameterTool.fromArgs(args);
        } catch (RuntimeException e) {
            throw new InvalidJobArgumentException(e.getMessage());
        }
        Set<String> unknown = new TreeSet<>(params.toMap().keySet());
        unknown.removeAll(known);
        if (!unknown.isEmpty()) {
            throw new InvalidJobArgumentException("unknown argument --" + unknown.iterator().next()
                    + " (known: --" + String.join(", --", new TreeSet<>(known)) + ")");
        }
        return new JobArgs(params);
    }

    public static JobArgs of(Map<String, String> values) {
        return new JobArgs(ParameterTool.fromMap(values));
    }

    public String string(String name, String fallback) {
        String value = params.get(name, fallback);
        if (value == null || value.isBlank()) {
            throw new InvalidJobArgumentException("--" + name + " is required");
        }
        return value;
    }

    /** The value, or null when the argument is absent; a blank value is refused. */
    public String optional(String name) {
        return params.has(name) ? string(name, null) : null;
    }

    /** A comma-separated list; absent gives {@code fallback}. */
    public java.util.List<String> list(String name, java.util.List<String> fallback) {
        String value = params.get(name);
        if (value == null) {
            return fallback;
        }
        java.util.List<String> items = java.util.Arrays.stream(value.split(",")).map(String::trim)
                .filter(item -> !item.isEmpty()).toList();
        if (items.isEmpty()) {
            throw new InvalidJobArgumentException("--" + name + " must name at least one value");
        }
        return items;
    }

    public String required(String name) {
        return string(name, null);
    }

    public int integer(String name, int fallback) {
        String value = params.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new InvalidJobArgumentException("--" + name + " must be a whole number, got '" + value + "'");
        }
    }

    public boolean bool(String name, boolean fallback) {
        String value = params.get(name);
        if (value == null) {
            return fallback;
        }
        return switch (value.trim().toLowerCase()) {
            case "true", "yes", "1", "" -> true;
            case "false", "no", "0" -> false;
            default -> throw new InvalidJobArgumentException("--" + name + " must be true or false, got '" + value + "'");
        };
    }

    /** Durations like {@code 500ms}, {@code 5s}, {@code 1min}, {@code 2h}. */
    public Duration duration(String name, Duration fallback) {
        String value = params.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            return TimeUtils.parseDuration(value.trim());
        } catch (RuntimeException e) {
            throw new InvalidJobArgumentException("--" + name + " must be a duration like 500ms, 5s or 1min, got '"
                    + value + "'");
        }
    }

    public <E extends Enum<E>> E choice(String name, Class<E> type, E fallback) {
        String value = params.get(name);
        if (value == null) {
            return fallback;
        }
        String normalised = value.trim().toUpperCase().replace('-', '_');
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equals(normalised)) {
                return constant;
            }
        }
        throw new InvalidJobArgumentException("--" + name + " must be one of "
                + java.util.Arrays.stream(type.getEnumConstants())
                        .map(c -> c.name().toLowerCase().replace('_', '-')).toList()
                + ", got '" + value + "'");
    }

    /** A bad job argument: printed as one line, never as a stack trace. */
    public static final class InvalidJobArgumentException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public InvalidJobArgumentException(String message) {
            super(message);
        }
    }
}
