package dev.flywheel.registry.validation;

import dev.flywheel.models.ModelDescriptor;
import dev.flywheel.models.ModelJson;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Entry point of the validator child process: {@code ValidatorProcess <model.onnx> <descriptor.json> [crash-marker]}.
 * Prints one line of JSON, the {@link ValidationResult}, and exits 0; any other ending is a crash
 * as far as the registry is concerned.
 */
public final class ValidatorProcess {
    private ValidatorProcess() {
    }

    public static void main(String[] args) throws Exception {
        byte[] artifact = Files.readAllBytes(Path.of(args[0]));
        ModelDescriptor descriptor = ModelJson.descriptor(Files.readAllBytes(Path.of(args[1])));
        if (args.length > 2 && contains(artifact, args[2].getBytes(StandardCharsets.UTF_8))) {
            // Test hook (see ModelValidator.Settings#crashMarker): die the way a native crash does,
            // without a result and with the exit status a SIGABRT gives.
            Runtime.getRuntime().halt(134);
        }
        ValidationResult result = OnnxCheck.check(artifact, descriptor);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.println(new String(ModelJson.encode(result), StandardCharsets.UTF_8));
        out.flush();
        // ONNX Runtime's threads must not keep the JVM alive.
        System.exit(0);
    }

    static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
