package dev.scratchgpt.cli;

/** A failure the user can act on; its message is printed as is, without a stack trace. */
public class CliException extends RuntimeException {

    public CliException(String message) {
        super(message);
    }

    public CliException(String message, Throwable cause) {
        super(message, cause);
    }
}
