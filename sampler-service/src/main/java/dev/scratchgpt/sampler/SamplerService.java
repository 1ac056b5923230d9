package dev.scratchgpt.sampler;

import dev.scratchgpt.sampler.generate.Generation;
import dev.scratchgpt.sampler.generate.GenerationCancelledException;
import dev.scratchgpt.sampler.generate.GenerationListener;
import dev.scratchgpt.sampler.generate.Generator;
import dev.scratchgpt.sampler.generate.SamplingParams;
import dev.scratchgpt.sampler.models.LoadedModel;
import dev.scratchgpt.sampler.models.ModelRegistry;
import dev.scratchgpt.sampler.text.TokenizerGateway;
import dev.scratchgpt.sampler.v1.GenerateRequest;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.jboss.logging.Logger;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * One generation from request to result: validate, take a slot, resolve the model version
 * (held until the end), encode the prompt, run the {@link Generator}, record metrics. The
 * endpoint adapts it to unary and streaming calls through a {@link Sink}.
 */
final class SamplerService {

    private static final Logger LOG = Logger.getLogger(SamplerService.class);

    /** Where a generation's output goes. Called from a generation thread. */
    interface Sink {
        void piece(int sample, String text, int[] tokenIds, String model, int version);

        void done(Generation generation, String model, int version, long seed);

        void failed(StatusRuntimeException error);
    }

    private final ModelRegistry registry;
    private final TokenizerGateway tokenizer;
    private final GenerationSlots slots;
    private final SamplerMetrics metrics;
    private final int maxNewTokensCap;

    SamplerService(ModelRegistry registry, TokenizerGateway tokenizer, GenerationSlots slots, SamplerMetrics metrics,
                   int maxNewTokensCap) {
        this.registry = registry;
        this.tokenizer = tokenizer;
        this.slots = slots;
        this.metrics = metrics;
        this.maxNewTokensCap = maxNewTokensCap;
    }

    /**
     * Validates and starts the generation on a generation thread; problems found before it
     * starts (bad fields, no free slot) are thrown here, later ones go to {@code sink.failed}.
     *
     * @param cancelled true once the caller has gone (cancel or deadline); checked every step
     */
    void start(GenerateRequest request, Deadline deadline, BooleanSupplier cancelled, Sink sink) {
        SamplingParams params;
        try {
            params = GenerateRequests.validate(request, maxNewTokensCap);
            // Past the shutdown grace period a generation stops as if its caller had gone.
            BooleanSupplier stop = () -> cancelled.getAsBoolean() || slots.cutOff();
            slots.run(() -> run(request, params, deadline, stop, sink));
        } catch (StatusRuntimeException e) {
            metrics.request(modelTag(request.getModel()), 0, outcome(e));
            throw e;
        }
    }

    private void run(GenerateRequest request, SamplingParams params, Deadline deadline, BooleanSupplier cancelled,
                     Sink sink) {
        String model = request.getModel();
        int version = 0;
        AtomicInteger active = null;
        try (LoadedModel.Lease lease = registry.acquire(model, request.hasVersion() ? request.getVersion() : 0,
                deadline)) {
            LoadedModel loaded = lease.loaded();
            version = loaded.version();
            GenerateRequests.checkPromptIds(request, loaded.model().vocabSize());
            int contextShift = GenerateRequests.contextShift(request, loaded.model().contextSize());
            int[] prompt = request.getPromptIdsCount() > 0
                    ? request.getPromptIdsList().stream().mapToInt(Integer::intValue).toArray()
                    : request.getPrompt().isEmpty() ? new int[0]
                    : tokenizer.encode(loaded.vocabulary().id(), request.getPrompt(), deadline);
            active = metrics.active(model, version);
            active.incrementAndGet();
            Timing timing = new Timing(sink, model, version);
            Generation generation = new Generator(loaded.model(), true, contextShift).generate(prompt, params,
                    loaded.vocabulary(), cancelled, timing);
            timing.record(params.numSamples(), generation);
            metrics.request(model, version, "ok");
            sink.done(generation, model, version, params.seed());
        } catch (GenerationCancelledException e) {
            if (slots.cutOff()) {
                metrics.request(model, version, "unavailable");
                sink.failed(Status.UNAVAILABLE.withDescription("the sampler shut down before this generation finished"
                        + " (it ran past the shutdown grace period, scratchgpt.sampler.shutdown-grace); retry it")
                        .asRuntimeException());
                return;
            }
            metrics.request(model, version, "cancelled");
            sink.failed(Status.CANCELLED.withDescription("the caller cancelled or its deadline passed")
                    .asRuntimeException());
        } catch (StatusRuntimeException e) {
            metrics.request(modelTag(model), version, outcome(e));
            sink.failed(e);
        } catch (RuntimeException e) {
            LOG.errorf(e, "generation on model %s version %d failed", model, version);
            metrics.request(model, version, "internal");
            sink.failed(Status.INTERNAL.withDescription("generation failed inside the sampler: " + e.getMessage())
                    .asRuntimeException());
        } finally {
            if (active != null) {
                active.decrementAndGet();
            }
        }
    }

    /** A name the caller sent becomes a metrics tag only if it is a model: unknown names would grow series without bound. */
    private String modelTag(String model) {
        return registry.knows(model) ? model : "unknown";
    }

    private static String outcome(StatusRuntimeException e) {
        return e.getStatus().getCode().name().toLowerCase();
    }

    /** Passes pieces on and measures time to first token and time per output token (one step of the batch). */
    private final class Timing implements GenerationListener {
        private final Sink sink;
        private final String model;
        private final int version;
        private final long start = System.nanoTime();
        private long firstToken;

        Timing(Sink sink, String model, int version) {
            this.sink = sink;
            this.model = model;
            this.version = version;
        }

        @Override
        public void onPiece(int sample, String text, int[] tokenIds) {
            if (firstToken == 0 && tokenIds.length > 0) {
                firstToken = System.nanoTime();
                metrics.timeToFirstToken(model, version, firstToken - start);
            }
            metrics.tokens(model, version).increment(tokenIds.length);
            sink.piece(sample, text, tokenIds, model, version);
        }

        void record(int samples, Generation generation) {
            int steps = generation.samples().stream().mapToInt(s -> s.tokenIds().length).max().orElse(0);
            if (steps > 1) {
                metrics.timePerOutputToken(model, version, (System.nanoTime() - firstToken) / (steps - 1));
            }
        }
    }
}
