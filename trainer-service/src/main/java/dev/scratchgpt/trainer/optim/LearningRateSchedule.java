package dev.scratchgpt.trainer.optim;

/**
 * nanoGPT's get_lr: linear warm-up to the peak over {@code warmupSteps}, then cosine decay to
 * {@code minLr} at {@code decaySteps}, flat after. A constant schedule is the peak always.
 */
public record LearningRateSchedule(boolean cosine, float peak, float minLr, int warmupSteps, int decaySteps) {

    public static LearningRateSchedule constant(float lr) {
        return new LearningRateSchedule(false, lr, lr, 0, 0);
    }

    /** Learning rate for the update numbered {@code step} (0-based, as nanoGPT's iter_num). */
    public float at(int step) {
        if (!cosine) {
            return peak;
        }
        if (step < warmupSteps) {
            return peak * (step + 1) / (warmupSteps + 1);
        }
        if (step > decaySteps) {
            return minLr;
        }
        double ratio = (double) (step - warmupSteps) / Math.max(1, decaySteps - warmupSteps);
        double coeff = 0.5 * (1.0 + Math.cos(Math.PI * ratio));
        return (float) (minLr + coeff * (peak - minLr));
    }
}
