package io.moesim.reports;

import java.util.List;
import java.util.Objects;

/**
 * A report: its title and its pages in order (a title page first, then charts and tables). Built by
 * {@link Reports}, written by {@link ReportWriter}.
 */
public record Report(String title, List<Page> pages) {

    public Report {
        Objects.requireNonNull(title, "title");
        pages = List.copyOf(pages);
    }

    /** The chart pages (those written as PNG). */
    public List<Page.Chart> charts() {
        return pages.stream().filter(p -> p instanceof Page.Chart).map(p -> (Page.Chart) p).toList();
    }
}
