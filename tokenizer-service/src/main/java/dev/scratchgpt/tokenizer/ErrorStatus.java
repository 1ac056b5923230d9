package dev.scratchgpt.tokenizer;

import dev.scratchgpt.tokenizer.vocab.InvalidInputException;
import dev.scratchgpt.tokenizer.vocab.VocabularyNotFoundException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.jboss.logging.Logger;

/** The gRPC status a caller gets for a failure: a sentence for their mistakes, a log line for ours. */
final class ErrorStatus {

    private static final Logger LOG = Logger.getLogger(ErrorStatus.class);

    private ErrorStatus() {
    }

    static StatusRuntimeException of(String method, Throwable failure) {
        if (failure instanceof StatusRuntimeException status) {
            return status;
        }
        if (failure instanceof InvalidInputException) {
            return Status.INVALID_ARGUMENT.withDescription(failure.getMessage()).asRuntimeException();
        }
        if (failure instanceof VocabularyNotFoundException) {
            return Status.NOT_FOUND.withDescription(failure.getMessage()).asRuntimeException();
        }
        LOG.errorf(failure, "%s failed", method);
        return Status.INTERNAL.withDescription(method + " failed inside the tokenizer (" + failure
                + "); the service log has the details").asRuntimeException();
    }

    static StatusRuntimeException invalid(String sentence) {
        return Status.INVALID_ARGUMENT.withDescription(sentence).asRuntimeException();
    }
}
