package dev.scratchgpt.trainer.data;

import ai.djl.engine.Engine;

/**
 * The engine's RNG is one global generator per process (torch.manual_seed). Training reseeds
 * it before every step from (seed, step); whoever else draws from it (a batch preview) holds
 * {@link #LOCK} so that no draw lands between a step's seeding and its last random number.
 */
public final class EngineRandom {

    public static final Object LOCK = new Object();

    private EngineRandom() {
    }

    /** Seeds the engine from (seed, stream) through SplitMix64: nearby streams get unrelated seeds. */
    public static void seed(long seed, long stream) {
        long z = seed + (stream + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        Engine.getInstance().setRandomSeed((int) (z & 0x7FFFFFFF));
    }
}
