package dev.scratchgpt.bench;

import ai.djl.Device;
import dev.scratchgpt.testing.SharedData;
import dev.scratchgpt.tokenizer.vocab.CharVocabulary;
import dev.scratchgpt.trainer.job.TrainingLoop;
import dev.scratchgpt.trainer.job.TrainingSpecs;
import dev.scratchgpt.trainer.v1.LrSchedule;
import dev.scratchgpt.trainer.v1.ModelType;
import dev.scratchgpt.trainer.v1.TrainingSpec;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The trainer's training loop on tinyshakespeare, in process (the same TrainingLoop a job runs;
 * the character vocabulary is the tokenizer's own CharVocabulary).
 *
 * <pre>
 * bench/run TrainBench --preset bigram                      # seed notebook: val <= 2.50
 * bench/run TrainBench --preset nanogpt-cpu                 # 2000 steps: val <= 1.88, wall time
 * bench/run TrainBench --preset nanogpt-cpu --steps 50 --eval-interval 25 --eval-iters 20   # smoke
 * bench/run TrainBench --preset nanogpt-cpu --seed 2 --no-bias                              # another seed, no biases
 * </pre>
 *
 * Prints the same lines as bench/reference/train.py (eval ..., result ...) and the reference
 * command to run beside it. ms_per_step is the median after the first 10 steps, evaluation excluded.
 */
public final class TrainBench {

    public static void main(String[] args) throws Exception {
        String preset = "nanogpt-cpu";
        Integer steps = null;
        Integer evalInterval = null;
        Integer evalIters = null;
        boolean printSteps = false;
        Boolean bias = null;
        Long seed = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--preset" -> preset = args[++i];
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--eval-interval" -> evalInterval = Integer.parseInt(args[++i]);
                case "--eval-iters" -> evalIters = Integer.parseInt(args[++i]);
                case "--print-steps" -> printSteps = true;
                case "--bias" -> bias = true;
                case "--no-bias" -> bias = false;
                case "--seed" -> seed = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; use --preset bigram|nanogpt-cpu [--steps N] [--eval-interval N] [--eval-iters N] [--no-bias] [--seed N] [--print-steps]");
            }
        }
        TrainingSpec.Builder spec = switch (preset) {
            case "bigram" -> TrainingSpec.newBuilder().setModelType(ModelType.MODEL_TYPE_BIGRAM);
            case "nanogpt-cpu" -> nanoGptCpu();
            default -> throw new IllegalArgumentException("unknown preset " + preset + "; use bigram or nanogpt-cpu");
        };
        if (steps != null) {
            spec.setMaxSteps(steps);
        }
        if (evalInterval != null) {
            spec.setEvalInterval(evalInterval);
        }
        if (evalIters != null) {
            spec.setEvalIters(evalIters);
        }
        if (bias != null) {
            spec.setBias(bias);
        }
        if (seed != null) {
            spec.setSeed(seed);
        }
        TrainingSpec resolved = TrainingSpecs.withDefaults(spec.build());
        resolved = resolved.toBuilder().setCheckpointInterval(resolved.getMaxSteps()).build();

        String text = Files.readString(SharedData.tinyShakespeare());
        CharVocabulary vocabulary = CharVocabulary.of(text, false, Instant.now());
        int v = vocabulary.size();
        long[] ids = Arrays.stream(vocabulary.encode(text)).asLongStream().toArray();

        System.out.println("machine: " + uptime());
        System.out.printf("config preset=%s model=%s batch=%d block=%d steps=%d n_layer=%d n_head=%d n_embd=%d dropout=%s "
                        + "bias=%s seed=%d lr=%s schedule=%s eval_interval=%d eval_iters=%d vocab=%d tokens=%d threads=%s%n",
                preset, resolved.getModelType(), resolved.getBatchSize(), resolved.getBlockSize(), resolved.getMaxSteps(),
                resolved.getNLayer(), resolved.getNHead(), resolved.getNEmbd(), resolved.getDropout(),
                resolved.getBias(), resolved.getSeed(), resolved.getLearningRate(), resolved.getLrSchedule(), resolved.getEvalInterval(), resolved.getEvalIters(),
                v, ids.length, System.getProperty("ai.djl.pytorch.num_threads", "default"));

        boolean logSteps = printSteps;
        List<Double> stepMillis = new ArrayList<>();
        float[] lastVal = {Float.NaN};
        long start = System.nanoTime();
        Path dir = Files.createTempDirectory("trainbench");
        new TrainingLoop(resolved, ids, v, Device.cpu(), dir, new TrainingLoop.Listener() {
            @Override
            public void onStep(int step, float batchLoss, float lr, double seconds, int tokens) {
                stepMillis.add(seconds * 1000);
                if (logSteps) {
                    // the float's bits, so two runs can be diffed for the first step that differs at all
                    System.out.printf("step %d batch_loss=%.7f bits=%08x%n", step, batchLoss, Float.floatToIntBits(batchLoss));
                }
            }

            @Override
            public void onEval(int step, float train, float val) {
                lastVal[0] = val;
                System.out.printf("eval step=%d train_loss=%.4f val_loss=%.4f elapsed_s=%.1f%n", step, train, val,
                        (System.nanoTime() - start) / 1e9);
            }
        }).run(() -> false);
        double wall = (System.nanoTime() - start) / 1e9;
        double trainSeconds = stepMillis.stream().mapToDouble(Double::doubleValue).sum() / 1000;
        double[] timed = stepMillis.stream().skip(Math.min(10, stepMillis.size() - 1)).mapToDouble(Double::doubleValue)
                .sorted().toArray();
        double median = timed[timed.length / 2];
        double mean = Arrays.stream(timed).average().orElse(Double.NaN);
        System.out.printf("result ms_per_step=%.2f ms_per_step_mean=%.2f tokens_per_s=%.0f final_val_loss=%.4f "
                        + "train_s=%.1f wall_s=%.1f%n", median, mean,
                resolved.getBatchSize() * resolved.getBlockSize() / (median / 1000), lastVal[0], trainSeconds, wall);
        System.out.println("machine after: " + uptime());
        System.out.println("reference (same model, same machine): bench/reference/run.sh train --preset " + preset
                + " --no-decay-embeddings"
                + (steps != null ? " --steps " + steps : "")
                + (evalInterval != null ? " --eval-interval " + evalInterval : "")
                + (evalIters != null ? " --eval-iters " + evalIters : "")
                + (bias != null ? (bias ? " --bias" : " --no-bias") : "")
                + (seed != null ? " --seed " + seed : ""));
    }

    /** nanoGPT's CPU configuration for shakespeare_char (ARCHITECTURE.md's reference points). */
    static TrainingSpec.Builder nanoGptCpu() {
        return TrainingSpec.newBuilder().setModelType(ModelType.MODEL_TYPE_GPT)
                .setNLayer(4).setNHead(4).setNEmbd(128).setBlockSize(64).setBatchSize(12).setMaxSteps(2000)
                .setDropout(0f).setLearningRate(1e-3f).setLrSchedule(LrSchedule.LR_SCHEDULE_COSINE)
                .setWarmupSteps(100).setMinLearningRate(1e-4f).setWeightDecay(0.1f).setBeta2(0.99f)
                .setGradClip(1f).setEvalInterval(250).setEvalIters(200);
    }

    private static String uptime() {
        try {
            Process p = new ProcessBuilder("uptime").redirectErrorStream(true).start();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
                return r.readLine().trim();
            }
        } catch (Exception e) {
            return "(uptime unavailable)";
        }
    }
}
