package dev.flywheel.local;

import java.io.PrintWriter;
import picocli.CommandLine;

/** How the local commands end: a bad argument is one line and exit 2, a failure one line and exit 1. */
final class LocalCommands {
    private LocalCommands() {
    }

    /** Runs a picocli {@code command} as {@code name} (the prefix of its one-line errors); returns its exit status. */
    static int execute(Object command, String name, String[] args, PrintWriter err) {
        CommandLine cli = new CommandLine(command);
        cli.setErr(err);
        cli.setParameterExceptionHandler((e, argv) -> {
            // The exceptions validate() throws carry a CommandLine of their own, without our err.
            cli.getErr().println(name + ": " + e.getMessage() + " (see --help)");
            return 2;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            cli.getErr().println(name + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return 1;
        });
        return cli.execute(args);
    }
}
