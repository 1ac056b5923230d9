package dev.scratchgpt.tokenizer;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads of our own for EncodeStream's encoding, apart from Quarkus's blocking pool (which
 * serves the unary calls): a stream's callbacks stay on its event loop and only the encoding of
 * one request message at a time comes here, so the queue holds at most one task per open call.
 */
@ApplicationScoped
public class EncodingExecutor implements Executor {

    private final ExecutorService threads;

    EncodingExecutor(@ConfigProperty(name = "scratchgpt.tokenizer.encode-threads", defaultValue = "0") int configured) {
        int n = configured > 0 ? configured : Runtime.getRuntime().availableProcessors();
        AtomicInteger count = new AtomicInteger();
        threads = Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, "tokenizer-encode-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void execute(Runnable task) {
        threads.execute(task);
    }

    @PreDestroy
    void stop() {
        threads.shutdownNow();
    }
}
