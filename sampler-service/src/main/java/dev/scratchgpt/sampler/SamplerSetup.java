package dev.scratchgpt.sampler;

import dev.scratchgpt.sampler.models.ModelLoader;
import dev.scratchgpt.sampler.models.ModelRegistry;
import dev.scratchgpt.sampler.models.StoreCatalog;
import dev.scratchgpt.sampler.runtime.ExecutionDevice;
import dev.scratchgpt.sampler.text.TokenizerGateway;
import dev.scratchgpt.store.ModelStore;
import dev.scratchgpt.tokenizer.v1.TokenizerGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.grpc.runtime.health.GrpcHealthStorage;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Wires the plain classes together from configuration, resolves the execution device at
 * start (so {@code device=cuda} without CUDA stops the service with its sentence) and runs the
 * store watcher.
 */
@Singleton
public class SamplerSetup {

    private static final Logger LOG = Logger.getLogger(SamplerSetup.class);

    @Inject
    SamplerConfig config;

    @GrpcClient("tokenizer")
    TokenizerGrpc.TokenizerBlockingStub tokenizerStub;

    @GrpcClient("tokenizer")
    Channel tokenizerChannel;

    @Inject
    Instance<GrpcHealthStorage> health;

    private ScheduledExecutorService watcher;
    private GracefulShutdown shutdown;

    @Produces
    @Singleton
    ExecutionDevice device() {
        ExecutionDevice device = ExecutionDevice.resolve(config.device());
        LOG.infof("ONNX Runtime device %s (scratchgpt.sampler.device=%s), %d intra-op thread(s)", device,
                config.device(), config.intraOpThreads());
        return device;
    }

    @Produces
    @Singleton
    TokenizerGateway tokenizer() {
        // grpc-java's channel (Quarkus's default client) waits out its own reconnect backoff, up to
        // two minutes, before it looks for a tokenizer that is back; the gateway cuts that short.
        Runnable reconnectNow = tokenizerChannel instanceof ManagedChannel m ? m::resetConnectBackoff : () -> {
        };
        return new TokenizerGateway(tokenizerStub, config.tokenizerTimeout(), reconnectNow);
    }

    @Produces
    @Singleton
    SamplerMetrics metrics(MeterRegistry meters) {
        return new SamplerMetrics(meters);
    }

    @Produces
    @Singleton
    ModelRegistry registry(ExecutionDevice device, TokenizerGateway tokenizer, SamplerMetrics metrics) {
        ModelStore store = new ModelStore(config.storeDir());
        LOG.infof("serving models from %s", store.root());
        // Not fatal: a store mounted late is picked up by the watcher; ListModels names the problem meanwhile.
        new StoreCatalog(store).prepare().ifPresent(problem -> LOG.warnf("%s", problem));
        return new ModelRegistry(new StoreCatalog(store),
                new ModelLoader(new StoreCatalog(store), tokenizer::vocabulary, device, config.intraOpThreads()),
                metrics::modelLoaded);
    }

    void closeRegistry(@Disposes ModelRegistry registry) {
        registry.close();
    }

    @Produces
    @Singleton
    GenerationSlots slots() {
        int limit = config.maxConcurrent().orElse(2 * Runtime.getRuntime().availableProcessors());
        LOG.infof("at most %d concurrent generations", limit);
        return new GenerationSlots(limit);
    }

    void closeSlots(@Disposes GenerationSlots slots) {
        slots.close();
    }

    @Produces
    @Singleton
    SamplerService service(ModelRegistry registry, TokenizerGateway tokenizer, GenerationSlots slots,
                           SamplerMetrics metrics) {
        return new SamplerService(registry, tokenizer, slots, metrics, config.maxNewTokens());
    }

    void start(@Observes StartupEvent event, ExecutionDevice device, ModelRegistry registry, GenerationSlots slots) {
        if (LaunchMode.current() == LaunchMode.NORMAL) { // dev and test JVMs keep their own signal handling
            shutdown(slots).install();
        }
        registry.refresh();
        watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sampler-store-watcher");
            t.setDaemon(true);
            return t;
        });
        long every = config.watchInterval().toMillis();
        watcher.scheduleWithFixedDelay(() -> {
            try {
                registry.refresh();
                registry.preloadNewVersions();
            } catch (RuntimeException e) {
                LOG.warnf("store watcher: %s", e.getMessage());
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * Any other way down (Quarkus.asyncExit, tests): no grace period, but generations still stop
     * before the registry closes their sessions. After a signal's drain this finds nothing running.
     */
    void stop(@Observes @Priority(1) ShutdownEvent event, GenerationSlots slots) {
        shutdown(slots).drain(Duration.ZERO, "shutdown");
        if (watcher != null) {
            watcher.shutdownNow();
        }
    }

    private GracefulShutdown shutdown(GenerationSlots slots) {
        if (shutdown == null) {
            shutdown = new GracefulShutdown(slots, config.shutdownGrace(), () -> {
                if (health.isResolvable()) {
                    health.get().setStatus(GrpcHealthStorage.DEFAULT_SERVICE_NAME, ServingStatus.NOT_SERVING);
                }
            });
        }
        return shutdown;
    }
}
