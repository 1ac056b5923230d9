package dev.scratchgpt.cli.local;

import dev.scratchgpt.cli.Endpoints;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** The standard gRPC health check ({@code grpc.health.v1.Health/Check}, whole server). */
public final class Health {

    private Health() {
    }

    /** SERVING, NOT_SERVING..., or "UNREACHABLE (reason)" when nothing answers. */
    public static String check(String target, Duration timeout) {
        ManagedChannel channel = Endpoints.channel(target);
        try {
            return HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .check(HealthCheckRequest.getDefaultInstance())
                    .getStatus()
                    .name();
        } catch (StatusRuntimeException e) {
            return "UNREACHABLE (" + e.getStatus().getCode() + ")";
        } finally {
            Endpoints.close(channel);
        }
    }

    public static boolean isServing(String target) {
        return ServingStatus.SERVING.name().equals(check(target, Duration.ofSeconds(1)));
    }

    /** Polls until SERVING; false when {@code stillStarting} turns false or the timeout passes. */
    public static boolean awaitServing(String target, Duration timeout, BooleanSupplier stillStarting) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && stillStarting.getAsBoolean()) {
            if (isServing(target)) {
                return true;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }
}
