package dev.flywheel.registry.api;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The artifact checksum as the registry API speaks it: lower-case hex SHA-256, the form of a
 * descriptor's {@code sha256} and of the {@code X-Model-Sha256} header. The client (before it
 * registers, after it downloads) and the server's validator both call this one method, so the two
 * sides cannot drift apart on case or encoding.
 */
public final class Sha256 {
    private Sha256() {
    }

    public static String hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
