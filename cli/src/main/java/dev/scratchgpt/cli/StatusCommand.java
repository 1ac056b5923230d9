package dev.scratchgpt.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show each service: health, address, pid (when started by 'up') and log file. Exit 1 unless all are up.")
class StatusCommand implements Callable<Integer> {

    @Mixin
    Endpoints endpoints;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<String> lines = UpCommand.localServices(endpoints, out).status();
        lines.forEach(out::println);
        out.flush();
        return lines.stream().allMatch(l -> l.contains(" up ")) ? 0 : 1;
    }
}
