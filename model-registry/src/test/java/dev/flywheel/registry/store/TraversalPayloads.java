package dev.flywheel.registry.store;

import java.util.List;

/** Strings that try to leave a directory or confuse a path parser; none is a valid model name. */
public final class TraversalPayloads {
    public static final List<String> ALL = List.of(
            "..",
            ".",
            "../etc",
            "../../etc/passwd",
            "..%2f..%2fetc",
            "%2e%2e%2f%2e%2e%2fetc",
            "%2e%2e",
            "..%252f",
            "/etc/passwd",
            "/",
            "C:\\Windows\\win.ini",
            "..\\..\\windows",
            "models\\..\\..",
            "a\u0000b",
            "model\u0000.onnx",
            "\u2024\u2024",
            "\uff0e\uff0e\uff0fetc",
            "..\u2215etc",
            "a/../b",
            "~root",
            "$HOME",
            "a b",
            "",
            " ",
            "A",
            "-rf",
            "a".repeat(65),
            "name\n",
            "file:///etc/passwd",
            "....//....//etc");

    private TraversalPayloads() {
    }
}
