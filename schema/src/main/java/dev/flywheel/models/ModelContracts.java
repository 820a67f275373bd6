package dev.flywheel.models;

import java.util.HashSet;
import java.util.List;
import java.util.regex.Pattern;

/** Rules shared by the model records. */
public final class ModelContracts {
    /**
     * Model names: lower-case letters, digits, '-' and '_', starting with a letter or digit, at most
     * 64 characters. Names become directory names and Kafka keys, so no dots, slashes or anything
     * a file system or URL could read as structure.
     */
    public static final Pattern MODEL_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

    private ModelContracts() {
    }

    public static boolean isValidModelName(String name) {
        return name != null && MODEL_NAME.matcher(name).matches();
    }

    public static String requireModelName(String name) {
        if (!isValidModelName(name)) {
            throw new IllegalArgumentException("invalid model name " + quoted(name) + ": must match " + MODEL_NAME.pattern());
        }
        return name;
    }

    static String requireText(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " is required");
        }
        return value;
    }

    /** A non-empty list of distinct, non-blank names, copied. */
    static List<String> requireNames(List<String> names, String field) {
        if (names == null || names.isEmpty()) {
            throw new IllegalArgumentException(field + " must name at least one entry");
        }
        List<String> copy = List.copyOf(names);
        if (copy.stream().anyMatch(n -> n.isBlank()) || new HashSet<>(copy).size() != copy.size()) {
            throw new IllegalArgumentException(field + " must be distinct non-blank names: " + copy);
        }
        return copy;
    }

    private static String quoted(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder("'");
        s.codePoints().limit(80).forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.append(s.length() > 80 ? "...'" : "'").toString();
    }
}
