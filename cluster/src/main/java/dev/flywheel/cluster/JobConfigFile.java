package dev.flywheel.cluster;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.TreeSet;

/**
 * A job's options in a file, one {@code name = value} (or {@code name: value}) a line, {@code #}
 * comments: the same names the job takes as {@code --name value} (README's option tables), so a
 * deployment keeps its settings under version control instead of in a shell history. The job
 * itself validates the names and values when it starts; this only refuses what cannot be an
 * option at all.
 */
public final class JobConfigFile {
    private JobConfigFile() {
    }

    /** The file's options as program arguments, in name order so a run is reproducible. */
    public static List<String> arguments(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("configuration file " + file + " not found");
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot read configuration file " + file + ": " + e.getMessage());
        }
        List<String> arguments = new ArrayList<>();
        for (String name : new TreeSet<>(properties.stringPropertyNames())) {
            if (!name.matches("[a-z][a-z0-9-]*")) {
                throw new IllegalArgumentException("configuration file " + file + ": '" + name
                        + "' is not an option name (write bootstrap = kafka:9092, not --bootstrap kafka:9092)");
            }
            arguments.add("--" + name);
            arguments.add(properties.getProperty(name).trim());
        }
        return arguments;
    }
}
