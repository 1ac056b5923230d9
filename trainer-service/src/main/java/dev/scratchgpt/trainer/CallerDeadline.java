package dev.scratchgpt.trainer;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.TimeUnit;

/**
 * The deadline of the call being served, for work that calls other services (the tokenizer) and
 * must answer before it. Quarkus's single-port (Vert.x) gRPC server does not put the client's
 * {@code grpc-timeout} into {@code Context.current().getDeadline()}, so this reads the header.
 */
@GlobalInterceptor
@ApplicationScoped
public class CallerDeadline implements ServerInterceptor {

    private static final Context.Key<Deadline> KEY = Context.key("scratchgpt-caller-deadline");
    private static final Metadata.Key<String> TIMEOUT = Metadata.Key.of("grpc-timeout", Metadata.ASCII_STRING_MARSHALLER);

    /** The served call's deadline, or null when the client set none. */
    public static Deadline current() {
        Deadline fromHeader = KEY.get();
        return fromHeader != null ? fromHeader : Context.current().getDeadline();
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        Deadline deadline = parse(headers.get(TIMEOUT));
        if (deadline == null) {
            return next.startCall(call, headers);
        }
        return Contexts.interceptCall(Context.current().withValue(KEY, deadline), call, headers, next);
    }

    /** {@code grpc-timeout}: up to 8 digits and a unit, H M S m u n (gRPC over HTTP/2 spec). */
    static Deadline parse(String timeout) {
        if (timeout == null || timeout.length() < 2 || timeout.length() > 9) {
            return null;
        }
        long value;
        try {
            value = Long.parseLong(timeout.substring(0, timeout.length() - 1));
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
        return unit == null || value < 0 ? null : Deadline.after(value, unit);
    }
}
