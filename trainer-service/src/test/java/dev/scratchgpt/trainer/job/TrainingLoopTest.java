package dev.scratchgpt.trainer.job;

import ai.djl.Device;
import dev.scratchgpt.testing.SharedData;
import dev.scratchgpt.trainer.model.LanguageModel;
import dev.scratchgpt.trainer.v1.LrSchedule;
import dev.scratchgpt.trainer.v1.ModelType;
import dev.scratchgpt.trainer.v1.TrainingSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loop on real DJL: learning, reproducibility, and resuming from a checkpoint. */
class TrainingLoopTest {

    /** The first 20,000 characters of tinyshakespeare as a character vocabulary's ids. */
    static long[] shakespeareIds(int[] vocabSize) throws IOException {
        String text = Files.readString(SharedData.tinyShakespeare()).substring(0, 20_000);
        TreeSet<Integer> chars = new TreeSet<>();
        text.codePoints().forEach(chars::add);
        List<Integer> sorted = new ArrayList<>(chars);
        vocabSize[0] = sorted.size();
        return text.codePoints().mapToLong(sorted::indexOf).toArray();
    }

    static TrainingSpec tinyGpt(int maxSteps) {
        return TrainingSpecs.withDefaults(TrainingSpec.newBuilder().setModelType(ModelType.MODEL_TYPE_GPT)
                .setBatchSize(8).setBlockSize(16).setNEmbd(32).setNHead(4).setNLayer(2).setDropout(0.1f)
                .setLearningRate(3e-3f).setMaxSteps(maxSteps).setEvalInterval(10).setEvalIters(4)
                .setCheckpointInterval(10).setLrSchedule(LrSchedule.LR_SCHEDULE_COSINE).setWarmupSteps(5).build());
    }

    /** Records what a run reports. */
    static final class Recorder implements TrainingLoop.Listener {
        final List<float[]> evals = new ArrayList<>();
        final List<Float> batchLosses = new ArrayList<>();
        final List<Integer> checkpoints = new ArrayList<>();

        @Override
        public void onStep(int step, float batchLoss, float learningRate, double stepSeconds, int tokensPerStep) {
            batchLosses.add(batchLoss);
        }

        @Override
        public void onEval(int step, float trainLoss, float valLoss) {
            evals.add(new float[]{step, trainLoss, valLoss});
        }

        @Override
        public void onCheckpoint(int step) {
            checkpoints.add(step);
        }
    }

    @Test
    void lossFallsWellBelowLnV(@TempDir Path dir) throws IOException {
        int[] v = new int[1];
        long[] ids = shakespeareIds(v);
        Recorder r = new Recorder();
        TrainingSpec spec = tinyGpt(200).toBuilder().setLearningRate(1e-2f).setMinLearningRate(1e-3f)
                .setEvalInterval(50).setCheckpointInterval(50).setEvalIters(8).build();
        int end = new TrainingLoop(spec, ids, v[0], Device.cpu(), dir, r).run(() -> false);
        assertEquals(200, end);
        float first = r.evals.get(0)[1];
        float last = r.evals.get(r.evals.size() - 1)[2];
        assertEquals(Math.log(v[0]), first, 0.3, "an untrained model is near uniform");
        assertTrue(last < Math.log(v[0]) - 1.2, "val loss " + last + " after 200 steps vs ln V " + Math.log(v[0]));
        assertEquals(List.of(50, 100, 150, 200), r.checkpoints);
    }

    @Test
    void aResumedRunContinuesExactlyAsTheUninterruptedOne(@TempDir Path dir) throws IOException {
        int[] v = new int[1];
        long[] ids = shakespeareIds(v);
        Recorder straight = new Recorder();
        new TrainingLoop(tinyGpt(30), ids, v[0], Device.cpu(), dir.resolve("a"), straight).run(() -> false);

        Recorder first = new Recorder();
        int[] steps = {0};
        TrainingLoop.Listener counting = new TrainingLoop.Listener() {
            @Override
            public void onStep(int step, float batchLoss, float lr, double s, int t) {
                steps[0] = step;
                first.onStep(step, batchLoss, lr, s, t);
            }
        };
        int stopped = new TrainingLoop(tinyGpt(30), ids, v[0], Device.cpu(), dir.resolve("b"), counting)
                .run(() -> steps[0] >= 13); // cancelled after step 13: checkpoint at 13
        assertEquals(13, stopped);
        Recorder second = new Recorder();
        int end = new TrainingLoop(tinyGpt(30), ids, v[0], Device.cpu(), dir.resolve("b"), second).run(() -> false);
        assertEquals(30, end);
        assertEquals(17, second.batchLosses.size(), "the resumed run takes only the remaining steps");
        List<Float> joined = new ArrayList<>(first.batchLosses);
        joined.addAll(second.batchLosses);
        for (int i = 0; i < 30; i++) {
            assertEquals(straight.batchLosses.get(i), joined.get(i), 1e-4f, "batch loss of step " + (i + 1));
        }
        float[] lastStraight = straight.evals.get(straight.evals.size() - 1);
        float[] lastResumed = second.evals.get(second.evals.size() - 1);
        assertEquals(lastStraight[2], lastResumed[2], 1e-4f);
    }

    @Test
    void aCancelDuringALongEstimateStopsAtOnce(@TempDir Path dir) throws IOException {
        int[] v = new int[1];
        long[] ids = shakespeareIds(v);
        TrainingSpec spec = tinyGpt(30).toBuilder().setEvalIters(1_000_000).build(); // hours of batches
        Recorder r = new Recorder();
        int stopped = new TrainingLoop(spec, ids, v[0], Device.cpu(), dir, r).run(() -> true);
        assertEquals(0, stopped);
        assertTrue(r.evals.isEmpty(), "a cut-short estimate is not reported");
    }

    @Test
    void theBigramLearnsToo(@TempDir Path dir) throws IOException {
        int[] v = new int[1];
        long[] ids = shakespeareIds(v);
        TrainingSpec spec = TrainingSpecs.withDefaults(TrainingSpec.newBuilder().setModelType(ModelType.MODEL_TYPE_BIGRAM)
                .setMaxSteps(300).setLearningRate(1e-1f).setEvalInterval(300).setEvalIters(10).build());
        Recorder r = new Recorder();
        new TrainingLoop(spec, ids, v[0], Device.cpu(), dir, new TrainingLoop.Listener() {
            @Override
            public void onEval(int step, float t, float val) {
                r.onEval(step, t, val);
            }

            @Override
            public void onEnd(int step, LanguageModel model, boolean cancelled) {
                assertEquals(1, model.parameters().size());
            }
        }).run(() -> false);
        assertTrue(r.evals.get(1)[2] < 3.0f, "bigram val loss " + r.evals.get(1)[2]);
        assertTrue(r.evals.get(0)[2] > 4.0f, "a standard normal table starts far above ln V");
    }
}
