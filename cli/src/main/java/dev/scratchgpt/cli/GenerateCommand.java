package dev.scratchgpt.cli;

import dev.scratchgpt.cli.generate.Generation;
import dev.scratchgpt.cli.generate.SampleOptions;
import io.grpc.ManagedChannel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.concurrent.Callable;

@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Sample text from a model in the store, printed as it is generated (Sampler/GenerateStream).")
class GenerateCommand implements Callable<Integer> {

    @Option(names = "--model", paramLabel = "NAME", defaultValue = "model", description = "Model name in the store (default ${DEFAULT-VALUE}).")
    String model;

    @Mixin
    SampleOptions sampling;

    @Mixin
    Endpoints endpoints;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ManagedChannel channel = Endpoints.channel(endpoints.sampler());
        try {
            Endpoints.call("sampler", endpoints.sampler(), () -> new Generation(channel, spec.commandLine().getOut()).stream(sampling.toRequest(model)));
            return 0;
        } finally {
            Endpoints.close(channel);
        }
    }
}
