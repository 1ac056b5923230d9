package dev.scratchgpt.cli;

import dev.scratchgpt.cli.local.Health;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.time.Duration;
import java.util.concurrent.Callable;

/** A grpc_health_probe for container health checks: exit 0 only when the server says SERVING. */
@Command(name = "health", mixinStandardHelpOptions = true,
        description = "Ask a service's grpc.health.v1.Health/Check; print the status, exit 0 when SERVING, else 1.")
class HealthCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "HOST:PORT", description = "e.g. localhost:50051")
    String target;

    @Option(names = "--timeout", defaultValue = "3", paramLabel = "SECONDS", description = "Deadline of the check (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        String status = Health.check(target, Duration.ofSeconds(timeoutSeconds));
        spec.commandLine().getOut().println(target + " " + status);
        spec.commandLine().getOut().flush();
        return "SERVING".equals(status) ? 0 : 1;
    }
}
