package io.moesim.models.spec;

/**
 * A value a model spec record refuses, with the record component it concerns ({@code numRoutedExperts},
 * {@code topK}...), so that a reader can name the field as its own file spells it ({@code moe.numRoutedExperts}
 * in a model YAML, {@code num_local_experts} in a Mixtral {@code config.json}).
 */
public final class SpecException extends IllegalArgumentException {

    private final String field;
    private final String problem;

    SpecException(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
        this.problem = problem;
    }

    /** The record component, as named in {@link ModelSpec}, {@link MoeSpec}, {@link AttentionSpec} or {@link RoutingSpec}. */
    public String field() {
        return field;
    }

    /** What is wrong; other components it mentions are named as in the records. */
    public String problem() {
        return problem;
    }
}
