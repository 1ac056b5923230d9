package dev.scratchgpt.trainer.job;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.scratchgpt.trainer.data.Batches;
import dev.scratchgpt.trainer.data.EngineRandom;
import dev.scratchgpt.trainer.model.LanguageModel;
import dev.scratchgpt.trainer.model.Models;
import dev.scratchgpt.trainer.optim.AdamW;
import dev.scratchgpt.trainer.optim.LearningRateSchedule;
import dev.scratchgpt.trainer.v1.LrSchedule;
import dev.scratchgpt.trainer.v1.TrainingSpec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * One training run, the course's loop: every eval_interval steps estimate_loss (dropout off,
 * eval_iters batches per split), then get_batch, forward, backward, AdamW. Continues from the
 * checkpoint in {@code checkpointDir} when there is one.
 *
 * <p>Reproducibility: before each step (and each estimate) the engine's RNG is reseeded from
 * (seed, step), so the batch and dropout masks of step s do not depend on what ran before, and
 * a resumed run draws exactly what the uninterrupted run would have.
 */
public final class TrainingLoop {

    /** What the loop reports; called on the training thread. */
    public interface Listener {
        default void onStart(int step, long numParameters) {
        }

        default void onStep(int step, float batchLoss, float learningRate, double stepSeconds, int tokensPerStep) {
        }

        default void onEval(int step, float trainLoss, float valLoss) {
        }

        default void onCheckpoint(int step) {
        }

        /** The run stopped at {@code step} (finished or cancelled); the model is still alive. */
        default void onEnd(int step, LanguageModel model, boolean cancelled) {
        }
    }

    private final TrainingSpec spec;
    private final long[] ids;
    private final int vocabSize;
    private final Device device;
    private final Path checkpointDir;
    private final Listener listener;

    public TrainingLoop(TrainingSpec spec, long[] ids, int vocabSize, Device device, Path checkpointDir, Listener listener) {
        this.spec = spec;
        this.ids = ids;
        this.vocabSize = vocabSize;
        this.device = device;
        this.checkpointDir = checkpointDir;
        this.listener = listener;
    }

    /** Trains until max_steps or until {@code cancelled} turns true; returns the last completed step. */
    public int run(BooleanSupplier cancelled) throws IOException {
        // Grad mode is thread-local in libtorch and on by default for a new thread: turn it off
        // so optimizer updates and evaluation build no graph (GradientCollector turns it on).
        Engine.getInstance(); // loads the natives
        JniUtils.setGradMode(false);
        try (NDManager manager = NDManager.newBaseManager(device)) {
            LanguageModel model;
            synchronized (EngineRandom.LOCK) {
                EngineRandom.seed(spec.getSeed(), -1);
                model = Models.create(manager, spec, vocabSize);
            }
            AdamW optimizer = new AdamW(manager, model.parameters(), model::decays, new AdamW.Settings(
                    spec.getBeta1(), spec.getBeta2(), spec.getEps(), spec.getWeightDecay(), spec.getGradClip()));
            Batches batches = new Batches(manager, ids, spec.getTrainFraction());
            LearningRateSchedule schedule = spec.getLrSchedule() == LrSchedule.LR_SCHEDULE_COSINE
                    ? new LearningRateSchedule(true, spec.getLearningRate(), spec.getMinLearningRate(),
                    spec.getWarmupSteps(), spec.getMaxSteps())
                    : LearningRateSchedule.constant(spec.getLearningRate());

            int step = 0;
            if (Checkpoint.exists(checkpointDir)) {
                Checkpoint checkpoint = Checkpoint.read(checkpointDir);
                restore(checkpoint, model, optimizer);
                step = checkpoint.step();
            }
            listener.onStart(step, model.numParameters());
            int tokensPerStep = spec.getBatchSize() * spec.getBlockSize();
            int lastCheckpoint = step;
            boolean stopped = false;
            while (true) {
                if (step % spec.getEvalInterval() == 0 || step == spec.getMaxSteps()) {
                    // deterministic per step, so a resumed run repeats the estimate at its start exactly
                    float[] losses = estimateLoss(manager, model, batches, step, cancelled);
                    if (losses == null) {
                        stopped = true; // cancelled during the estimate (hundreds of batches at gpt sizes)
                        break;
                    }
                    listener.onEval(step, losses[0], losses[1]);
                }
                if (step >= spec.getMaxSteps()) {
                    break;
                }
                if (cancelled.getAsBoolean()) {
                    stopped = true;
                    break;
                }
                long started = System.nanoTime();
                float lr = schedule.at(step);
                float loss;
                synchronized (EngineRandom.LOCK) {
                    EngineRandom.seed(spec.getSeed(), step);
                    loss = trainStep(manager, model, optimizer, batches, lr);
                }
                step++;
                listener.onStep(step, loss, lr, (System.nanoTime() - started) / 1e9, tokensPerStep);
                if (step % spec.getCheckpointInterval() == 0 || step == spec.getMaxSteps()) {
                    checkpoint(step, optimizer, model);
                    lastCheckpoint = step;
                }
            }
            if (stopped && lastCheckpoint != step) {
                checkpoint(step, optimizer, model); // a cancelled run resumes exactly where it stopped
            }
            listener.onEnd(step, model, stopped);
            return step;
        }
    }

    /** get_batch, forward, backward, AdamW; returns the batch's loss. */
    private float trainStep(NDManager manager, LanguageModel model, AdamW optimizer, Batches batches, float lr) {
        try (NDScope scope = new NDScope()) {
            NDList xy = batches.sample(manager, false, spec.getBatchSize(), spec.getBlockSize());
            NDArray loss;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                loss = LanguageModel.crossEntropy(model.forward(xy.get(0), true), xy.get(1));
                collector.backward(loss);
            }
            optimizer.step(lr);
            return loss.getFloat();
        }
    }

    /** The course's estimate_loss: mean loss over eval_iters batches of each split, dropout off. */
    private float[] estimateLoss(NDManager manager, LanguageModel model, Batches batches, int step,
                                 BooleanSupplier cancelled) {
        float[] out = new float[2];
        for (int split = 0; split < 2; split++) {
            synchronized (EngineRandom.LOCK) {
                EngineRandom.seed(spec.getSeed() ^ 0x5DEECE66DL, step * 2L + split);
                out[split] = meanLoss(manager, model, batches, split == 1, cancelled);
            }
            if (Float.isNaN(out[split]) && cancelled.getAsBoolean()) {
                return null;
            }
        }
        return out;
    }

    /** Mean loss over eval_iters batches, or NaN when cancelled part way. */
    private float meanLoss(NDManager manager, LanguageModel model, Batches batches, boolean validation,
                           BooleanSupplier cancelled) {
        double sum = 0;
        for (int k = 0; k < spec.getEvalIters(); k++) {
            if (cancelled.getAsBoolean()) {
                return Float.NaN;
            }
            try (NDScope scope = new NDScope()) { // one batch's activations at a time
                NDList xy = batches.sample(manager, validation, spec.getBatchSize(), spec.getBlockSize());
                sum += LanguageModel.crossEntropy(model.forward(xy.get(0), false), xy.get(1)).getFloat();
            }
        }
        return (float) (sum / spec.getEvalIters());
    }

    private void checkpoint(int step, AdamW optimizer, LanguageModel model) throws IOException {
        Checkpoint.capture(step, optimizer.stepCount(), spec, model.parameters(),
                optimizer.firstMoments(), optimizer.secondMoments()).write(checkpointDir);
        listener.onCheckpoint(step);
    }

    private static void restore(Checkpoint checkpoint, LanguageModel model, AdamW optimizer) {
        Map<String, NDArray> params = model.parameters();
        Map<String, float[]> first = new java.util.HashMap<>();
        Map<String, float[]> second = new java.util.HashMap<>();
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            Checkpoint.Tensor t = checkpoint.tensors().get(e.getKey());
            if (t == null || t.value().length != e.getValue().size()) {
                throw new IllegalStateException("checkpoint does not match the model at parameter " + e.getKey());
            }
            e.getValue().set(t.value());
            first.put(e.getKey(), t.m());
            second.put(e.getKey(), t.v());
        }
        optimizer.restore(checkpoint.optimizerSteps(), first, second);
    }
}
