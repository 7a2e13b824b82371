package io.moesim.models.spec;

import java.util.Objects;
import java.util.Optional;

/**
 * One model of the catalog ({@code models/catalog/<id>.yaml}): its spec and, where known, the
 * parameter counts its makers published.
 */
public record CatalogEntry(ModelSpec spec, Optional<PublishedSize> published) {

    public CatalogEntry {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(published, "published");
    }

    public String id() {
        return spec.id();
    }
}
