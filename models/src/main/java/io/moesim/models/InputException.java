package io.moesim.models;

/**
 * A mistake in what the user gave moesim: a file, a field, a value or a command-line argument.
 *
 * <p>The message is one line that names the file and the field, for example
 * {@code scenarios/x.yaml: deployment.decode.experts.ep: 100 does not divide 256 routed + 32 redundant experts}.
 * The command line prints it as is and exits with status 2; it never prints a stack trace for it.
 */
public class InputException extends RuntimeException {

    public InputException(String message) {
        super(message);
    }

    public InputException(String message, Throwable cause) {
        super(message, cause);
    }

    /** An error about {@code field} in {@code source} (a file path or another name the user knows). */
    public static InputException at(Object source, String field, String problem) {
        return new InputException(source + ": " + field + ": " + problem);
    }
}
