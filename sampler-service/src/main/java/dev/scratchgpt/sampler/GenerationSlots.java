package dev.scratchgpt.sampler;

import io.grpc.Status;

import java.time.Duration;
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
 *
 * <p>At shutdown the slots {@linkplain #drain drain}: new work is refused with UNAVAILABLE,
 * running work may finish within a grace period, and what is still running then is
 * {@linkplain #cutOff() cut off} so that it can end its call with a sentence before the server closes.
 */
final class GenerationSlots implements AutoCloseable {

    private final int limit;
    private final Semaphore permits;
    private final ExecutorService executor;
    private volatile boolean draining;
    private volatile boolean cutOff;

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

    /** Generations running now. */
    int running() {
        return limit - permits.availablePermits();
    }

    /** True once the shutdown grace period has passed: running generations must stop. */
    boolean cutOff() {
        return cutOff;
    }

    /** Runs the work on a generation thread, or throws RESOURCE_EXHAUSTED when all are busy (UNAVAILABLE when draining). */
    void run(Runnable work) {
        if (draining) {
            throw shuttingDown();
        }
        if (!permits.tryAcquire()) {
            throw Status.RESOURCE_EXHAUSTED.withDescription("the sampler is already running " + limit
                    + " generations (scratchgpt.sampler.max-concurrent); retry shortly").asRuntimeException();
        }
        if (draining) { // the drain began between the check and the permit: it may already count on this slot being free
            permits.release();
            throw shuttingDown();
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

    /**
     * Refuses new work from now on and waits up to {@code grace} for the running generations to
     * finish; past it, {@linkplain #cutOff() cuts off} the rest and waits up to {@code settle}
     * for them to end their calls.
     *
     * @return the number of generations that were cut off (0 when all finished within the grace period)
     */
    int drain(Duration grace, Duration settle) throws InterruptedException {
        draining = true;
        if (permits.tryAcquire(limit, grace.toMillis(), TimeUnit.MILLISECONDS)) {
            permits.release(limit);
            return 0;
        }
        int remaining = running();
        cutOff = true;
        if (permits.tryAcquire(limit, settle.toMillis(), TimeUnit.MILLISECONDS)) {
            permits.release(limit);
        }
        return remaining;
    }

    private static io.grpc.StatusRuntimeException shuttingDown() {
        return Status.UNAVAILABLE.withDescription("the sampler is shutting down and takes no new generations;"
                + " retry on another replica or once it has restarted").asRuntimeException();
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
