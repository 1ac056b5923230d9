package dev.scratchgpt.sampler;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The sampler's Micrometer meters, tagged by model and version ({@code /q/metrics}):
 * requests by outcome, tokens generated, time to first token, time per output token, active
 * generations and model load time. Requests refused before a version was resolved carry
 * version "none", and model "unknown" when the name they sent is not a model in the store.
 */
final class SamplerMetrics {

    static final String REQUESTS = "scratchgpt.sampler.requests";
    static final String TOKENS = "scratchgpt.sampler.tokens.generated";
    static final String TIME_TO_FIRST_TOKEN = "scratchgpt.sampler.time.to.first.token";
    static final String TIME_PER_OUTPUT_TOKEN = "scratchgpt.sampler.time.per.output.token";
    static final String ACTIVE = "scratchgpt.sampler.generations.active";
    static final String LOAD_TIME = "scratchgpt.sampler.model.load.time";

    private final MeterRegistry registry;
    private final Map<Tags, AtomicInteger> active = new ConcurrentHashMap<>();

    SamplerMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    static Tags tags(String model, int version) {
        return Tags.of("model", model, "version", version > 0 ? String.valueOf(version) : "none");
    }

    void request(String model, int version, String outcome) {
        registry.counter(REQUESTS, tags(model, version).and("outcome", outcome)).increment();
    }

    Counter tokens(String model, int version) {
        return registry.counter(TOKENS, tags(model, version));
    }

    void timeToFirstToken(String model, int version, long nanos) {
        Timer.builder(TIME_TO_FIRST_TOKEN).tags(tags(model, version)).register(registry)
                .record(Duration.ofNanos(nanos));
    }

    void timePerOutputToken(String model, int version, long nanos) {
        Timer.builder(TIME_PER_OUTPUT_TOKEN).tags(tags(model, version)).register(registry)
                .record(Duration.ofNanos(nanos));
    }

    AtomicInteger active(String model, int version) {
        return active.computeIfAbsent(tags(model, version),
                t -> registry.gauge(ACTIVE, t, new AtomicInteger()));
    }

    void modelLoaded(String model, int version, long nanos) {
        Timer.builder(LOAD_TIME).tags(tags(model, version)).register(registry).record(Duration.ofNanos(nanos));
    }
}
