package dev.flywheel.trainer.worker;

import dev.flywheel.retrain.RetrainRequest;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Where a registered version records the retrain request it answers: a
 * {@value #TOKEN}{@code <url-encoded key>} word in its descriptor's {@code created_by}, which the
 * registry stores and returns with every version. Every worker can see it there, so a key trained
 * by any worker is trained by none again, and no store besides the registry is needed.
 */
public final class RetrainKeys {
    static final String TOKEN = "retrain_key=";

    private RetrainKeys() {
    }

    /** The descriptor's {@code created_by} for a version trained for {@code request}. */
    public static String createdBy(RetrainRequest request, int featureSpecVersion) {
        return "flywheel-trainer worker " + TOKEN + URLEncoder.encode(request.idempotencyKey(), StandardCharsets.UTF_8)
                + " reason=" + request.reason() + " window=" + request.windowStart() + ".." + request.windowEnd()
                + " feature-spec=v" + featureSpecVersion;
    }

    /** The idempotency key a {@code created_by} records, if it records one. */
    public static Optional<String> keyOf(String createdBy) {
        for (String word : createdBy.split(" ")) {
            if (word.startsWith(TOKEN)) {
                return Optional.of(URLDecoder.decode(word.substring(TOKEN.length()), StandardCharsets.UTF_8));
            }
        }
        return Optional.empty();
    }
}
