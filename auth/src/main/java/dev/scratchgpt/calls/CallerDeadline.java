package dev.scratchgpt.calls;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Gives each call the caller's deadline as grpc-java's own server does: {@code Context.current()
 * .getDeadline()} and a context that is cancelled when it passes. Quarkus's single-port server
 * (Vert.x gRPC 4.5) reads the {@code grpc-timeout} header into the call's metadata but sets no
 * deadline, so without this a service could not keep the calls it makes for a caller (the
 * trainer's and the sampler's tokenizer retries) inside that caller's deadline.
 */
@GlobalInterceptor
@ApplicationScoped
public class CallerDeadline implements ServerInterceptor {

    static final Metadata.Key<String> GRPC_TIMEOUT = Metadata.Key.of("grpc-timeout", Metadata.ASCII_STRING_MARSHALLER);

    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "call-deadlines");
        t.setDaemon(true);
        return t;
    });

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        Long nanos = Context.current().getDeadline() == null ? parse(headers.get(GRPC_TIMEOUT)) : null;
        if (nanos == null) {
            return next.startCall(call, headers);
        }
        Context.CancellableContext context = Context.current()
                .withDeadline(Deadline.after(nanos, TimeUnit.NANOSECONDS), TIMER);
        ServerCall<Q, R> releasing = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                super.close(status, trailers);
                context.cancel(null); // frees the deadline's timer task
            }
        };
        return Contexts.interceptCall(context, releasing, headers, next);
    }

    /** The gRPC wire format: at most 8 digits and a unit (H, M, S, m, u, n); null when absent or malformed. */
    static Long parse(String timeout) {
        if (timeout == null || timeout.length() < 2 || timeout.length() > 9) {
            return null;
        }
        long amount;
        try {
            amount = Long.parseLong(timeout.substring(0, timeout.length() - 1));
        } catch (NumberFormatException e) {
            return null;
        }
        TimeUnit unit = switch (timeout.charAt(timeout.length() - 1)) {
            case 'H' -> TimeUnit.HOURS;
            case 'M' -> TimeUnit.MINUTES;
            case 'S' -> TimeUnit.SECONDS;
            case 'm' -> TimeUnit.MILLISECONDS;
            case 'u' -> TimeUnit.MICROSECONDS;
            case 'n' -> TimeUnit.NANOSECONDS;
            default -> null;
        };
        return unit == null || amount < 0 ? null : unit.toNanos(amount);
    }
}
