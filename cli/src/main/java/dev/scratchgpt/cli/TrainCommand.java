package dev.scratchgpt.cli;

import dev.scratchgpt.cli.train.TrainOptions;
import dev.scratchgpt.cli.train.TrainingRun;
import io.grpc.ManagedChannel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.concurrent.Callable;

@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Upload a corpus (or let the trainer download a URL), train a model with live progress, and write its loss curve (SVG) next to the exported model. Unset hyper-parameters take the course's defaults for the model type (see trainer.proto).")
class TrainCommand implements Callable<Integer> {

    @Option(names = "--corpus", paramLabel = "FILE|URL", defaultValue = TrainingRun.DEFAULT_CORPUS_URL,
            description = "Text to train on: a local file (uploaded) or an http(s) URL (default: Project Gutenberg eBook #18857, needs the network).")
    String corpus;

    @Mixin
    TrainOptions train;

    @Mixin
    Endpoints endpoints;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ManagedChannel channel = Endpoints.channel(endpoints.trainer());
        try {
            Endpoints.call("trainer", endpoints.trainer(), () -> new TrainingRun(channel, endpoints.dataDir(), spec.commandLine().getOut(), Terminal.isInteractive())
                    .run(corpus, train.nameOr("model"), train.toSpec()));
            return 0;
        } finally {
            Endpoints.close(channel);
        }
    }
}
