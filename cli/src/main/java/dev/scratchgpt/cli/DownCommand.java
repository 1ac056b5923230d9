package dev.scratchgpt.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.time.Duration;
import java.util.concurrent.Callable;

@Command(name = "down", mixinStandardHelpOptions = true,
        description = "Stop the services that 'up' started (found through their pid files; nothing else is signalled).")
class DownCommand implements Callable<Integer> {

    @Mixin
    Endpoints endpoints;

    @Option(names = "--grace", defaultValue = "30", paramLabel = "SECONDS",
            description = "Time each service gets to shut down after SIGTERM before SIGKILL (default ${DEFAULT-VALUE}).")
    int graceSeconds;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        UpCommand.localServices(endpoints, spec.commandLine().getOut()).down(Duration.ofSeconds(graceSeconds));
        return 0;
    }
}
