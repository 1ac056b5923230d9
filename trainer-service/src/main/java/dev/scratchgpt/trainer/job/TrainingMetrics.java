package dev.scratchgpt.trainer.job;

import dev.scratchgpt.trainer.v1.JobState;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;

/**
 * The trainer's Micrometer meters: step time, tokens/s, the last train/val loss estimates and
 * the number of jobs in each state.
 */
public final class TrainingMetrics {

    private final Timer stepTime;
    private volatile double tokensPerSecond;
    private volatile double trainLoss = Double.NaN;
    private volatile double valLoss = Double.NaN;

    public TrainingMetrics(MeterRegistry registry, ToIntFunction<JobState> jobsInState) {
        stepTime = Timer.builder("scratchgpt.trainer.step").description("Time of one optimizer step").register(registry);
        Gauge.builder("scratchgpt.trainer.tokens.per.second", this, m -> m.tokensPerSecond)
                .description("Training throughput of the running job").register(registry);
        Gauge.builder("scratchgpt.trainer.loss", this, m -> m.trainLoss).tag("split", "train")
                .description("Last loss estimate").register(registry);
        Gauge.builder("scratchgpt.trainer.loss", this, m -> m.valLoss).tag("split", "val")
                .description("Last loss estimate").register(registry);
        for (JobState state : JobState.values()) {
            if (state == JobState.JOB_STATE_UNSPECIFIED || state == JobState.UNRECOGNIZED) {
                continue;
            }
            Gauge.builder("scratchgpt.trainer.jobs", () -> jobsInState.applyAsInt(state))
                    .tag("state", state.name().substring("JOB_STATE_".length()).toLowerCase())
                    .description("Jobs by state").register(registry);
        }
    }

    void step(double seconds, double tokensPerSecond) {
        stepTime.record(Duration.ofNanos((long) (seconds * 1e9)));
        this.tokensPerSecond = tokensPerSecond;
    }

    void eval(float train, float val) {
        trainLoss = train;
        valLoss = val;
    }
}
