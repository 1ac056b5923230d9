package dev.scratchgpt.cli.local;

import dev.scratchgpt.cli.CliException;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The three services as background processes on this machine: {@code <data>/logs/<module>.log}
 * and {@code <data>/run/<module>.pid}. {@code stop} only ever signals a pid whose process is
 * still the java running that service's jar, so a stale pid file cannot hit a stranger.
 */
public final class LocalServices {

    private final Path home;
    private final Path dataDir;
    private final Map<Service, Integer> ports;
    private final List<String> javaOptions;
    private final PrintWriter out;

    public LocalServices(Path home, Path dataDir, Map<Service, Integer> ports, List<String> javaOptions, PrintWriter out) {
        this.home = home;
        this.dataDir = dataDir;
        this.ports = new EnumMap<>(ports);
        this.javaOptions = List.copyOf(javaOptions);
        this.out = out;
    }

    public Path logFile(Service s) {
        return dataDir.resolve("logs").resolve(s.module() + ".log");
    }

    public Path pidFile(Service s) {
        return dataDir.resolve("run").resolve(s.module() + ".pid");
    }

    public String target(Service s) {
        return "localhost:" + ports.get(s);
    }

    /** Builds the service jars that are missing, with the repository's Maven wrapper. */
    public void buildMissing() {
        List<Service> missing = new ArrayList<>();
        for (Service s : Service.values()) {
            if (!Files.isRegularFile(s.jar(home))) {
                missing.add(s);
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        List<String> modules = missing.stream().map(Service::module).toList();
        out.println("Building " + String.join(", ", modules) + " (./mvnw -B -q package -DskipTests); the first build takes a few minutes...");
        out.flush();
        List<String> cmd = List.of(home.resolve("mvnw").toString(), "-B", "-q", "package", "-DskipTests",
                "-pl", String.join(",", modules), "-am");
        try {
            Process p = new ProcessBuilder(cmd).directory(home.toFile()).inheritIO().start();
            int exit = p.waitFor();
            if (exit != 0) {
                throw new CliException("The build failed (exit " + exit + "): " + String.join(" ", cmd));
            }
        } catch (IOException e) {
            throw new CliException("Could not run " + cmd.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("Interrupted while building");
        }
    }

    /**
     * Starts every service that is not already running (tokenizer first: the others call it)
     * and waits until each reports SERVING.
     */
    public void up(Duration timeout) {
        buildMissing();
        try {
            Files.createDirectories(dataDir.resolve("logs"));
            Files.createDirectories(dataDir.resolve("run"));
        } catch (IOException e) {
            throw new CliException("Cannot create " + dataDir + "/logs and /run: " + e.getMessage(), e);
        }
        for (Service s : Service.values()) {
            Optional<ProcessHandle> running = ourProcess(s);
            ProcessHandle process;
            if (running.isPresent()) {
                process = running.get();
                out.printf("%-18s already running (pid %d) on %s%n", s.module(), process.pid(), target(s));
            } else if (Health.isServing(target(s))) {
                throw new CliException(s.module() + "'s port " + ports.get(s) + " is taken by a process this launcher"
                        + " did not start (no pid file in " + pidFile(s).getParent() + "). Stop it, or choose other ports.");
            } else {
                process = start(s);
                out.printf("%-18s started (pid %d) on %s, log %s%n", s.module(), process.pid(), target(s), logFile(s));
            }
            out.flush();
            awaitServing(s, process, timeout);
        }
    }

    private ProcessHandle start(Service s) {
        List<String> cmd = new ArrayList<>();
        // setsid: the service gets its own session, so Ctrl-C in this terminal (during a
        // demo, say) does not take the services down with the command.
        if (new File("/usr/bin/setsid").canExecute()) {
            cmd.add("/usr/bin/setsid");
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(javaOptions);
        cmd.add("-Dquarkus.http.port=" + ports.get(s));
        cmd.add("-Dscratchgpt.data-dir=" + dataDir);
        if (s != Service.TOKENIZER) {
            cmd.add("-Dquarkus.grpc.clients.tokenizer.host=localhost");
            cmd.add("-Dquarkus.grpc.clients.tokenizer.port=" + ports.get(Service.TOKENIZER));
        }
        cmd.add("-jar");
        cmd.add(s.jar(home).toString());
        try {
            ProcessBuilder builder = new ProcessBuilder(cmd);
            // Variables already set in this shell win, so an operator can override a line.
            nativeEnvironment(s.jar(home).toAbsolutePath().getParent()).forEach(builder.environment()::putIfAbsent);
            Process p = builder
                    .directory(dataDir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile(s).toFile()))
                    .start();
            writePid(s, p.pid());
            return p.toHandle();
        } catch (IOException e) {
            throw new CliException("Could not start " + s.module() + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code <app>/native/environment}, the process environment a service's build ships with
     * (the trainer's preloads MKL's CPU dispatch and tunes malloc: trainer-service/src/main/native),
     * with {@code ${app}} made the app folder. Empty for a service without one.
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

    private void awaitServing(Service s, ProcessHandle process, Duration timeout) {
        boolean serving = Health.awaitServing(target(s), timeout, process::isAlive);
        if (!serving) {
            String why = process.isAlive()
                    ? "did not report SERVING within " + timeout.toSeconds() + " s"
                    : "exited before serving";
            throw new CliException(s.module() + " " + why + "; see " + logFile(s) + ":\n" + tail(logFile(s), 15));
        }
    }

    /** Stops the services this launcher started (SIGTERM, then SIGKILL after the grace period). */
    public void down(Duration grace) {
        // Reverse order: the trainer and sampler may still talk to the tokenizer while stopping.
        Service[] services = Service.values();
        for (int i = services.length - 1; i >= 0; i--) {
            Service s = services[i];
            Optional<Long> pid = readPid(s);
            Optional<ProcessHandle> process = ourProcess(s);
            if (process.isEmpty()) {
                out.printf("%-18s not running%s%n", s.module(),
                        pid.isPresent() ? " (removed stale pid file; pid " + pid.get() + " is not ours)" : "");
            } else {
                ProcessHandle h = process.get();
                h.destroy();
                boolean exited = waitForExit(h, grace);
                if (!exited) {
                    h.destroyForcibly();
                    waitForExit(h, Duration.ofSeconds(10));
                }
                out.printf("%-18s stopped (pid %d%s)%n", s.module(), h.pid(), exited ? "" : ", killed after " + grace.toSeconds() + " s");
            }
            deletePid(s);
            out.flush();
        }
    }

    /** One line per service: pid, port, health. */
    public List<String> status() {
        List<String> lines = new ArrayList<>();
        for (Service s : Service.values()) {
            Optional<ProcessHandle> process = ourProcess(s);
            String health = Health.check(target(s), Duration.ofSeconds(2));
            String proc = process.map(h -> "pid " + h.pid()).orElse("not started here");
            lines.add(String.format("%-18s %-8s %-18s %-16s log %s", s.module(), health.startsWith("SERVING") ? "up" : "down",
                    target(s), proc, logFile(s)));
        }
        return lines;
    }

    /** The live process recorded in the pid file, only if it is java running this service's jar. */
    public Optional<ProcessHandle> ourProcess(Service s) {
        return readPid(s).flatMap(ProcessHandle::of).filter(h -> isOurs(h, s));
    }

    private boolean isOurs(ProcessHandle h, Service s) {
        if (!h.isAlive()) {
            return false;
        }
        ProcessHandle.Info info = h.info();
        boolean java = info.command().map(c -> c.endsWith("/java")).orElse(false);
        String jar = s.jar(home).toString();
        boolean runsJar = info.arguments().map(args -> List.of(args).contains(jar)).orElse(false);
        return java && runsJar;
    }

    private Optional<Long> readPid(Service s) {
        try {
            return Optional.of(Long.parseLong(Files.readString(pidFile(s)).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private void writePid(Service s, long pid) throws IOException {
        Path file = pidFile(s);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, pid + "\n");
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private void deletePid(Service s) {
        try {
            Files.deleteIfExists(pidFile(s));
        } catch (IOException e) {
            out.println("could not delete " + pidFile(s) + ": " + e.getMessage());
        }
    }

    private static boolean waitForExit(ProcessHandle h, Duration timeout) {
        try {
            h.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (Exception e) {
            return !h.isAlive();
        }
    }

    static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }
}
