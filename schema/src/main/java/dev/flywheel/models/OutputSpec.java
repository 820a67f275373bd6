package dev.flywheel.models;

import java.util.List;
import java.util.Objects;

/**
 * The ONNX output a consumer reads: tensor name, one meaning per column of its last dimension,
 * and which column is the score.
 *
 * @param tensor      name of the ONNX output, a float tensor of shape [batch, columns.size()]
 * @param columns     what each column means, in order, e.g. {@code ["no_purchase", "purchase"]}
 * @param scoreColumn the column the scoring job reads as the model's score
 * @param meaning     the score in words, e.g. "P(purchase by this user within 30 minutes)"
 */
public record OutputSpec(String tensor, List<String> columns, String scoreColumn, String meaning) {
    public OutputSpec {
        ModelContracts.requireText(tensor, "output.tensor");
        columns = ModelContracts.requireNames(columns, "output.columns");
        ModelContracts.requireText(scoreColumn, "output.score_column");
        if (!columns.contains(scoreColumn)) {
            throw new IllegalArgumentException("output.score_column '" + scoreColumn + "' is not one of " + columns);
        }
        meaning = Objects.requireNonNullElse(meaning, "");
    }

    public int scoreIndex() {
        return columns.indexOf(scoreColumn);
    }
}
