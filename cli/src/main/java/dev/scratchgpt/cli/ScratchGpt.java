package dev.scratchgpt.cli;

import io.grpc.StatusRuntimeException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code scratchgpt} command. Each subcommand is one file in this package; what they
 * share (where the services are, where the data lives) is in {@link Endpoints}.
 */
@Command(name = "scratchgpt",
        mixinStandardHelpOptions = true,
        version = "scratchgpt 0.1.0",
        description = "Run, train and sample the scratchgpt services.",
        subcommands = {
                UpCommand.class,
                DownCommand.class,
                StatusCommand.class,
                TrainCommand.class,
                GenerateCommand.class,
                DemoCommand.class,
                HealthCommand.class,
                CommandLine.HelpCommand.class
        })
public class ScratchGpt {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with our error handling; tests run it in-process with their own writers. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new ScratchGpt());
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            // A person reads these: one sentence, no stack trace.
            commandLine.getErr().println("error: " + describe(e));
            commandLine.getErr().flush();
            return 2;
        });
        return cl;
    }

    static String describe(Throwable e) {
        if (e instanceof StatusRuntimeException sre) {
            return Endpoints.describe(sre);
        }
        if (e instanceof CliException) {
            return e.getMessage();
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
