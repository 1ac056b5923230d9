package dev.scratchgpt.testing;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse;
import org.junit.jupiter.params.provider.Arguments;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shape every service's bad-input test shares (docs/bad-input.md): rows of (name, code,
 * sentence, call), the check of one answer, and the check that the service survived them all.
 */
public final class BadInputCatalogue {

    /** Threads a service may add over a whole catalogue (pool warm-up); a thread per row breaks it. */
    public static final int THREAD_SLACK = 8;

    private BadInputCatalogue() {
    }

    /** One row: its name as in docs/bad-input.md, the status code, a fragment of the sentence ("" for none), the call. */
    public static Arguments row(String name, Status.Code code, String sentence, Supplier<Status> call) {
        return Arguments.of(name, code, sentence, call);
    }

    /** The status a unary (or server-streaming, drained) call ends with: OK when it answered. */
    public static Status statusOf(Runnable call) {
        try {
            call.run();
            return Status.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
    }

    public static void assertAnswer(Status.Code code, String sentence, Status status) {
        assertEquals(code, status.getCode(), status.toString());
        if (!sentence.isEmpty()) {
            assertTrue(status.getDescription() != null && status.getDescription().contains(sentence),
                    "expected '" + sentence + "' in: " + status.getDescription());
        }
    }

    /**
     * Health SERVING, {@code validCall} still answers, this JVM (where a {@code @QuarkusTest}
     * runs the service) has at most {@link #THREAD_SLACK} more live threads than before the rows,
     * and {@code dataDir} holds no partial file.
     */
    public static void assertSurvived(Channel channel, Runnable validCall, int threadsBefore, Path dataDir) {
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, ServiceChecks.health(channel));
        validCall.run();
        int threads = ServiceChecks.liveThreads();
        assertTrue(threads <= threadsBefore + THREAD_SLACK, "live threads grew from " + threadsBefore + " to " + threads);
        assertEquals(List.of(), ServiceChecks.partialFiles(dataDir));
    }
}
