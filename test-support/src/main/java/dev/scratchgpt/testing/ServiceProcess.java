package dev.scratchgpt.testing;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One of our services started from its packaged fast-jar ({@code <module>/target/quarkus-app})
 * as a real child process on a free port. Tests use it to talk to a real peer over a socket.
 * Build the module first (the root reactor lists it before its users).
 */
public final class ServiceProcess implements AutoCloseable {

    private final String module;
    private final int port;
    private final Path dataDir;
    private final Path log;
    private final Process process;
    /** The data directory was made here (not passed in), so {@link #close()} removes it. */
    private final boolean ownsDataDir;

    private ServiceProcess(String module, int port, Path dataDir, boolean ownsDataDir, Path log, Process process) {
        this.module = module;
        this.port = port;
        this.dataDir = dataDir;
        this.ownsDataDir = ownsDataDir;
        this.log = log;
        this.process = process;
    }

    /**
     * Starts {@code module} (e.g. "tokenizer-service") with its data directory in a fresh
     * temporary folder, extra system properties, and waits until health reports SERVING.
     */
    public static ServiceProcess start(String module, Map<String, String> properties) {
        return start(module, null, freePort(), properties);
    }

    /** As {@link #start(String, Map)} with a chosen data directory and port (for restarts). */
    public static ServiceProcess start(String module, Path dataDir, int port, Map<String, String> properties) {
        try {
            Path jar = locate(module);
            Path data = dataDir != null ? dataDir : Files.createTempDirectory(module + "-data");
            Path log = Files.createTempFile(module + "-", ".log");
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.add("-Xmx1g");
            cmd.add("-Dquarkus.http.port=" + port);
            cmd.add("-Dquarkus.http.host=127.0.0.1");
            cmd.add("-Dscratchgpt.data-dir=" + data);
            properties.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
            cmd.add("-jar");
            cmd.add(jar.toString());
            ProcessBuilder builder = new ProcessBuilder(cmd);
            nativeEnvironment(jar.getParent()).forEach(builder.environment()::putIfAbsent);
            Process p = builder
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            ServiceProcess sp = new ServiceProcess(module, port, data, dataDir == null, log, p);
            sp.awaitServing(Duration.ofSeconds(60));
            return sp;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path log() {
        return log;
    }

    public Process process() {
        return process;
    }

    public ManagedChannel channel() {
        return ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    /** SIGKILL: no shutdown hooks run, as when a node dies. */
    public void kill() {
        process.destroyForcibly();
        waitFor();
    }

    /** SIGTERM: the service shuts down gracefully. */
    public void terminate() {
        process.destroy();
        waitFor();
    }

    /**
     * Stops the service (SIGTERM) and removes the data directory it was given by
     * {@link #start(String, Map)}; a directory passed in by the caller is left alone, so a test
     * can {@link #kill()} and restart on the same data.
     */
    @Override
    public void close() {
        if (process.isAlive()) {
            terminate();
        }
        if (ownsDataDir) {
            try (var paths = Files.walk(dataDir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException | UncheckedIOException e) {
                // leftovers in the temp folder are harmless; the test's result is what matters
            }
        }
    }

    private void waitFor() {
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitServing(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        ManagedChannel channel = channel();
        try {
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(module + " exited with " + process.exitValue()
                            + " before serving; log: " + tail());
                }
                try {
                    HealthCheckResponse r = HealthGrpc.newBlockingStub(channel)
                            .withDeadlineAfter(1, TimeUnit.SECONDS)
                            .check(HealthCheckRequest.getDefaultInstance());
                    if (r.getStatus() == HealthCheckResponse.ServingStatus.SERVING) {
                        return;
                    }
                } catch (RuntimeException notYet) {
                    // not listening yet
                }
                Thread.sleep(100);
            }
            process.destroyForcibly();
            throw new IllegalStateException(module + " did not report SERVING within " + timeout + "; log: " + tail());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            channel.shutdownNow();
        }
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static Path locate(String module) {
        // Tests run with the module's own folder as working directory; siblings are at ../
        for (Path base : List.of(Path.of(".."), Path.of("."))) {
            Path jar = base.resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
            if (Files.isRegularFile(jar)) {
                return jar.toAbsolutePath().normalize();
            }
        }
        throw new IllegalStateException("No packaged " + module + " (target/quarkus-app/quarkus-run.jar);"
                + " build it first, e.g. ./mvnw -pl " + module + " -am package -DskipTests");
    }

    /**
     * The lines of {@code <app>/native/environment} (the trainer has one: see
     * trainer-service/src/main/native), with {@code ${app}} made the app folder: the same
     * process environment the CLI's {@code up} and the images give the service. Variables the
     * caller already set win.
     */
    static Map<String, String> nativeEnvironment(Path app) throws IOException {
        java.util.Properties lines = new java.util.Properties(); // KEY=VALUE lines and # comments
        Path file = app.resolve("native/environment");
        if (Files.isRegularFile(file)) {
            try (var in = Files.newBufferedReader(file)) {
                lines.load(in);
            }
        }
        Map<String, String> env = new java.util.LinkedHashMap<>();
        lines.forEach((k, v) -> env.put((String) k, ((String) v).replace("${app}", app.toString())));
        return env;
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
