package io.moesim.models.spec;

import java.util.Objects;

/**
 * A model's parameter counts as its makers publish them, to check moesim's accounting against.
 *
 * @param totalParameters         total parameters (without MTP modules)
 * @param activeParameters        parameters active per token
 * @param activeIncludesEmbedding whether the published active figure counts the embedding table
 *                                (compare with {@link ParameterCounts#activePerToken()} if so, else with
 *                                {@link ParameterCounts#activePerTokenExcludingEmbedding()})
 * @param source                  where the figures are published
 */
public record PublishedSize(double totalParameters, double activeParameters, boolean activeIncludesEmbedding,
                            String source) {

    public PublishedSize {
        Objects.requireNonNull(source, "source");
        if (!(totalParameters > 0) || !(activeParameters > 0) || activeParameters > totalParameters) {
            throw new IllegalArgumentException("need 0 < activeParameters <= totalParameters");
        }
    }

    /** The computed active count that matches the published convention. */
    public long comparableActive(ParameterCounts counts) {
        return activeIncludesEmbedding ? counts.activePerToken() : counts.activePerTokenExcludingEmbedding();
    }
}
