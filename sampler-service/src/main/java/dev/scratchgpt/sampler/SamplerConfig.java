package dev.scratchgpt.sampler;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;

/** {@code scratchgpt.sampler.*} settings; defaults suit a laptop, environment variables override (SCRATCHGPT_SAMPLER_DEVICE, ...). */
@ConfigMapping(prefix = "scratchgpt.sampler")
public interface SamplerConfig {

    /** The model store folder (application.properties: {@code ${scratchgpt.data-dir}/models}). */
    Path storeDir();

    /** auto | cpu | cuda | cuda:N. */
    @WithDefault("auto")
    String device();

    /** ONNX Runtime intra-op threads per run (spinning is always off). */
    @WithDefault("1")
    int intraOpThreads();

    /** Generations running at once; beyond it RESOURCE_EXHAUSTED. Default 2 x available processors. */
    OptionalInt maxConcurrent();

    /** The cap on max_new_tokens. */
    @WithDefault("4096")
    int maxNewTokens();

    /** How often the store is read for new versions. */
    @WithDefault("5s")
    Duration watchInterval();

    /** Longest wait for one tokenizer call, retries included (less when the caller's deadline is nearer). */
    @WithDefault("10s")
    Duration tokenizerTimeout();

    /**
     * At SIGTERM, how long generations in flight may run on to finish; past it they end with
     * UNAVAILABLE. Keep it below the orchestrator's kill timeout (Kubernetes: 30 s by default).
     */
    @WithDefault("25s")
    Duration shutdownGrace();
}
