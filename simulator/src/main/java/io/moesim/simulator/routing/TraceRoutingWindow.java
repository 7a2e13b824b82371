package io.moesim.simulator.routing;

import io.moesim.models.InputException;

/**
 * A range of trace tokens, {@code [start, end)} in file order: the part of a trace a placement is
 * fitted on, or replayed. Written {@code A:B} on command lines and in scenarios ({@code :B} from the
 * first token, {@code A:} to the last).
 */
public record TraceRoutingWindow(int start, int end) {

    public TraceRoutingWindow {
        if (start < 0 || end <= start) {
            throw new IllegalArgumentException("token window needs 0 <= start < end, got " + start + ":" + end);
        }
    }

    /** Tokens in the window. */
    public int tokens() {
        return end - start;
    }

    /** The whole of a trace of {@code tokens} tokens. */
    public static TraceRoutingWindow all(int tokens) {
        return new TraceRoutingWindow(0, tokens);
    }

    /**
     * Parses {@code A:B} against a trace of {@code traceTokens} tokens; errors name {@code source}
     * and {@code field}.
     */
    public static TraceRoutingWindow parse(String text, int traceTokens, Object source, String field) {
        int colon = text.indexOf(':');
        if (colon < 0) {
            throw InputException.at(source, field, "expected A:B (trace tokens A to B-1), got '" + text + "'");
        }
        try {
            String a = text.substring(0, colon).strip();
            String b = text.substring(colon + 1).strip();
            int start = a.isEmpty() ? 0 : Integer.parseInt(a);
            int end = b.isEmpty() ? traceTokens : Integer.parseInt(b);
            if (start < 0 || end <= start || end > traceTokens) {
                throw InputException.at(source, field, "window " + text + " is not within the trace's "
                        + traceTokens + " tokens (need 0 <= A < B <= " + traceTokens + ")");
            }
            return new TraceRoutingWindow(start, end);
        } catch (NumberFormatException e) {
            throw InputException.at(source, field, "expected A:B with whole numbers, got '" + text + "'");
        }
    }

    @Override
    public String toString() {
        return start + ":" + end;
    }
}
