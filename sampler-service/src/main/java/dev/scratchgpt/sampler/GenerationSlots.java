package dev.scratchgpt.sampler;

import io.grpc.Status;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * At most {@code limit} generations run at once, each on a thread of our own (never the gRPC
 * event loop). One more is refused at once with RESOURCE_EXHAUSTED: a queue would only add
 * latency that a caller cannot see or bound. The executor's queue is bounded by the permits.
 */
final class GenerationSlots implements AutoCloseable {

    private final int limit;
    private final Semaphore permits;
    private final ExecutorService executor;

    GenerationSlots(int limit) {
        this.limit = limit;
        this.permits = new Semaphore(limit);
        AtomicInteger n = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(limit, limit, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, "sampler-generation-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    int limit() {
        return limit;
    }

    /** Runs the work on a generation thread, or throws RESOURCE_EXHAUSTED when all are busy. */
    void run(Runnable work) {
        if (!permits.tryAcquire()) {
            throw Status.RESOURCE_EXHAUSTED.withDescription("the sampler is already running " + limit
                    + " generations (scratchgpt.sampler.max-concurrent); retry shortly").asRuntimeException();
        }
        try {
            executor.execute(() -> {
                try {
                    work.run();
                } finally {
                    permits.release();
                }
            });
        } catch (RuntimeException e) {
            permits.release();
            throw e;
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
