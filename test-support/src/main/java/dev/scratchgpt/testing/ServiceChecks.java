package dev.scratchgpt.testing;

import io.grpc.Channel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** What a test checks after throwing bad input at a service: alive, no leaked threads, no partial files. */
public final class ServiceChecks {

    private ServiceChecks() {
    }

    public static HealthCheckResponse.ServingStatus health(Channel channel) {
        return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance()).getStatus();
    }

    /** Live threads of this JVM, where a {@code @QuarkusTest} runs the service. */
    public static int liveThreads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    /** Live threads of another process (a {@link ServiceProcess}), from /proc. */
    public static int liveThreads(Process process) {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(process.pid()), "task"))) {
            return (int) tasks.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Files under {@code dir} that a finished write would have renamed or deleted: names with
     * ".tmp" (every store here writes {@code *.tmp} / {@code .tmp-*} first) or ".part".
     */
    public static List<Path> partialFiles(Path dir) {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> {
                String name = p.getFileName().toString();
                return name.contains(".tmp") || name.endsWith(".part");
            }).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
