package dev.scratchgpt.calls;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * Limits every service applies to every call, whatever the method: a client stream that goes
 * silent without half-closing is ended after {@code scratchgpt.grpc.stream-idle-timeout}
 * (otherwise it would hold its state, such as an upload's temporary file, for as long as the
 * connection lives), and a status description is kept short enough for the trailers (a
 * description that echoes a megabyte-long field would otherwise break the call on the client).
 */
@GlobalInterceptor
@ApplicationScoped
public class CallLimitsInterceptor implements ServerInterceptor {

    /**
     * How long the server waits for the next message of a client stream it has asked for
     * (env SCRATCHGPT_GRPC_STREAM_IDLE_TIMEOUT). Time the server itself spends on a message does
     * not count.
     */
    @ConfigProperty(name = "scratchgpt.grpc.stream-idle-timeout", defaultValue = "60s")
    Duration idleTimeout;

    /** One thread for every timer of every stream: a timer only ends a call, it does no work. */
    private final ScheduledThreadPoolExecutor timers = timers();

    private static ScheduledThreadPoolExecutor timers() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "grpc-stream-idle-timer");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
            ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        if (call.getMethodDescriptor().getType().clientSendsOneMessage()) {
            return next.startCall(new LimitedCall<>(call, null), headers);
        }
        IdleStream idle = new IdleStream(call.getMethodDescriptor().getBareMethodName(), idleTimeout, timers);
        LimitedCall<ReqT, RespT> limited = new LimitedCall<>(call, idle);
        return idle.listen(limited, next.startCall(limited, headers));
    }

    @PreDestroy
    void stop() {
        timers.shutdownNow();
    }
}
