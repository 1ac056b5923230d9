package dev.scratchgpt.trainer;

import io.grpc.Status;

/**
 * A refusal with the gRPC status it maps to and a sentence for a person: which field, which
 * value, what is allowed. Domain classes throw it; the endpoint turns it into a status.
 */
public final class TrainerError extends RuntimeException {

    private final Status.Code code;

    public TrainerError(Status.Code code, String message) {
        super(message);
        this.code = code;
    }

    public Status.Code code() {
        return code;
    }

    public static TrainerError invalid(String message) {
        return new TrainerError(Status.Code.INVALID_ARGUMENT, message);
    }

    public static TrainerError notFound(String message) {
        return new TrainerError(Status.Code.NOT_FOUND, message);
    }

    public static TrainerError precondition(String message) {
        return new TrainerError(Status.Code.FAILED_PRECONDITION, message);
    }
}
