package dev.flywheel.simulator;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds data files shared outside the repository: {@code -Dflywheel.data.dir=...}, or a
 * {@code shared/data} folder in the working directory or any parent (the repository's sibling).
 */
final class SharedData {
    static final String TAOBAO = "taobao-user-behavior-110k.csv";

    private SharedData() {
    }

    static Optional<Path> file(String name) {
        String configured = System.getProperty("flywheel.data.dir");
        if (configured != null) {
            Path candidate = Path.of(configured, name);
            return Files.isReadable(candidate) ? Optional.of(candidate) : Optional.empty();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared").resolve("data").resolve(name);
            if (Files.isReadable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
