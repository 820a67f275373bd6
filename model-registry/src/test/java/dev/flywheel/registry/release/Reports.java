package dev.flywheel.registry.release;

import dev.flywheel.health.ModelHealthReport;
import dev.flywheel.health.ModelHealthReport.Comparison;
import dev.flywheel.health.ModelHealthReport.Verdict;
import java.util.List;
import java.util.Map;

/** Monitor reports as the release controller reads them, with only the comparison filled in. */
final class Reports {
    static final long T0 = 1_767_225_600_000L;

    private Reports() {
    }

    static ModelHealthReport comparing(String model, int champion, int challenger, Verdict verdict, long labelled,
            Double difference, Double stdError) {
        Comparison comparison = new Comparison(champion, challenger, T0, labelled, labelled, 0.45,
                difference == null ? null : 0.45 + difference, difference, stdError, verdict == Verdict.NO_VERDICT ? 0.3 : 1e-4,
                0.01, 500, verdict);
        return new ModelHealthReport(model, challenger, "challenger", T0, T0 + 600_000, labelled,
                new ModelHealthReport.Drift(0.01, false, null, Map.of(), List.of(), false),
                new ModelHealthReport.Quality(labelled, labelled / 5, 0.2, 0.7, 0.01, 0.45, 0.15, 0.02, 0.7, 0.5, false,
                        0.2, 0.5, false),
                comparison, null, T0);
    }
}
