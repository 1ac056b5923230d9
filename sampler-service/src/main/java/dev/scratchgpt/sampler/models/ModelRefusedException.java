package dev.scratchgpt.sampler.models;

/** A version that cannot be served (damaged file, unknown vocabulary, graph ORT rejects); the message says why. */
public class ModelRefusedException extends RuntimeException {

    public ModelRefusedException(String message) {
        super(message);
    }

    public ModelRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
