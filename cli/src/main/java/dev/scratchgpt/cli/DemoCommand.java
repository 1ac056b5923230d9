package dev.scratchgpt.cli;

import dev.scratchgpt.cli.generate.Generation;
import dev.scratchgpt.cli.train.TrainOptions;
import dev.scratchgpt.cli.train.TrainingRun;
import dev.scratchgpt.sampler.v1.GenerateRequest;
import dev.scratchgpt.trainer.v1.LrSchedule;
import dev.scratchgpt.trainer.v1.TrainingSpec;
import io.grpc.ManagedChannel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * Everything once: start the services, train a small GPT (nanoGPT's CPU configuration for
 * the Shakespeare characters, shortened to a few minutes on a 2-core CPU), generate a sample,
 * say where everything is.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Start the services, train a small GPT (4 layers, 4 heads, n_embd 128, block 64, batch 12, 800 steps, a few minutes on a laptop CPU), generate a sample and print where everything is. The default corpus is downloaded from Project Gutenberg (eBook #18857): offline, pass --corpus FILE. Hyper-parameter options override the demo's settings.")
class DemoCommand implements Callable<Integer> {

    /** nanoGPT's train_shakespeare_char CPU settings, with fewer steps and cheaper evaluations. */
    static TrainingSpec demoSpec(TrainingSpec overrides) {
        TrainingSpec demo = TrainingSpec.newBuilder()
                .setModelType(overrides.getModelType())
                .setNLayer(4).setNHead(4).setNEmbd(128)
                .setBlockSize(64).setBatchSize(12)
                .setMaxSteps(800)
                .setLearningRate(1e-3f).setMinLearningRate(1e-4f)
                .setLrSchedule(LrSchedule.LR_SCHEDULE_COSINE).setWarmupSteps(100)
                .setDropout(0f).setWeightDecay(0.1f).setBeta2(0.99f).setGradClip(1f)
                .setEvalInterval(100).setEvalIters(20)
                .build();
        return demo.toBuilder().mergeFrom(overrides).build();
    }

    @Option(names = "--corpus", paramLabel = "FILE|URL", defaultValue = TrainingRun.DEFAULT_CORPUS_URL,
            description = "Text to train on (default: ${DEFAULT-VALUE}, which needs the network).")
    String corpus;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "500", description = "Length of the sample (default ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Mixin
    TrainOptions train;

    @Mixin
    Endpoints endpoints;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.println("== 1/3 Starting the services");
        out.flush();
        UpCommand.localServices(endpoints, out).up(Duration.ofSeconds(120));

        out.println();
        out.println("== 2/3 Training a small GPT");
        out.flush();
        TrainingRun.Result trained;
        ManagedChannel trainer = Endpoints.channel(endpoints.trainer());
        try {
            trained = Endpoints.call("trainer", endpoints.trainer(), () -> new TrainingRun(trainer, endpoints.dataDir(), out,
                    Terminal.isInteractive()).run(corpus, train.nameOr("demo"), demoSpec(train.toSpec())));
        } finally {
            Endpoints.close(trainer);
        }

        out.println();
        out.println("== 3/3 Sampling " + maxNewTokens + " tokens from " + trained.modelName() + " v" + trained.modelVersion());
        out.flush();
        ManagedChannel sampler = Endpoints.channel(endpoints.sampler());
        try {
            GenerateRequest request = GenerateRequest.newBuilder()
                    .setModel(trained.modelName()).setVersion(trained.modelVersion())
                    .setMaxNewTokens(maxNewTokens).build();
            Endpoints.call("sampler", endpoints.sampler(), () -> new Generation(sampler, out).stream(request));
        } finally {
            Endpoints.close(sampler);
        }

        out.println();
        out.println("Where everything is:");
        out.println("  data directory   " + endpoints.dataDir());
        out.println("  model            " + trained.lossCurve().getParent());
        out.println("  loss curve       " + trained.lossCurve());
        out.println("  service logs     " + endpoints.dataDir().resolve("logs"));
        out.println("  services         tokenizer " + endpoints.tokenizer() + ", trainer " + endpoints.trainer()
                + ", sampler " + endpoints.sampler() + " (still running)");
        out.println("Next: ./scratchgpt generate --model " + trained.modelName() + " --prompt 'ROMEO:' --max-new-tokens 300");
        out.println("      ./scratchgpt status; ./scratchgpt down");
        out.flush();
        return 0;
    }
}
