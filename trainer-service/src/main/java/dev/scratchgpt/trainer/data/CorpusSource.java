package dev.scratchgpt.trainer.data;

import dev.scratchgpt.trainer.TrainerError;
import dev.scratchgpt.trainer.v1.Corpus;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * Where a job's corpus comes from: a stored id, an http(s) URL (downloaded with the size cap
 * and a timeout, as the course fetches Project Gutenberg's eBook #18857), or a file under the
 * data directory. URLs and paths are imported into the {@link CorpusStore}, so a job always
 * trains from a corpus id.
 */
public final class CorpusSource {

    /** How often the watchdog checks the deadlines and the caller: the slack past a timeout. */
    private static final long WATCHDOG_PERIOD_MILLIS = 100;
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "corpus-download-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final CorpusStore store;
    private final Path dataDir;
    private final Duration timeout;
    private final HttpClient client;

    public CorpusSource(CorpusStore store, Path dataDir, Duration timeout) {
        this.store = store;
        this.dataDir = dataDir.toAbsolutePath().normalize();
        this.timeout = timeout;
        // one client for the service's life: each client owns a selector thread
        this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    public Corpus byId(String corpusId) {
        return store.require(corpusId);
    }

    /**
     * Downloads {@code url} into the store. The whole download (connect, headers and body) ends
     * at {@code scratchgpt.corpus.download-timeout} or at the served call's deadline, whichever
     * comes first, or as soon as the caller cancels: {@link HttpRequest#timeout} alone bounds only
     * the wait for the headers, so a server trickling the body would hold the call forever.
     *
     * @param callerGone whether the served call was cancelled; Quarkus's single-port server marks
     *                   the call cancelled but does not cancel {@link Context#current()}
     */
    public Corpus byUrl(String url, BooleanSupplier callerGone) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw TrainerError.invalid("corpus_url '" + url + "' is not a URL");
        }
        if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                || uri.getHost() == null) {
            throw TrainerError.invalid("corpus_url '" + url + "' must be an http or https URL");
        }
        Context call = Context.current(); // carries the caller's deadline (dev.scratchgpt.calls.CallerDeadline)
        Deadline own = Deadline.after(timeout.toNanos(), TimeUnit.NANOSECONDS);
        Deadline caller = call.getDeadline();
        Deadline deadline = caller == null ? own : own.minimum(caller);
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofNanos(Math.max(1, deadline.timeRemaining(TimeUnit.NANOSECONDS)))).GET().build();
        CompletableFuture<HttpResponse<InputStream>> pending = client.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream());
        AtomicLong received = new AtomicLong();
        AtomicReference<Stop> stopped = new AtomicReference<>(); // set when the watchdog ended the download
        ScheduledFuture<?> watchdog = WATCHDOG.scheduleWithFixedDelay(() -> {
            Stop why = own.isExpired() ? Stop.TIMEOUT
                    : caller != null && caller.isExpired() ? Stop.CALLER_DEADLINE
                    : call.isCancelled() || callerGone.getAsBoolean() ? Stop.CALLER_CANCELLED
                    : null;
            if (why != null && stopped.compareAndSet(null, why)) {
                abort(pending); // a read blocked on the body now fails instead of waiting for the server
            }
        }, WATCHDOG_PERIOD_MILLIS, WATCHDOG_PERIOD_MILLIS, TimeUnit.MILLISECONDS);
        try {
            HttpResponse<InputStream> response = pending.get();
            if (response.statusCode() != 200) {
                response.body().close();
                throw TrainerError.invalid("corpus_url '" + url + "' answered HTTP " + response.statusCode());
            }
            long declared = response.headers().firstValueAsLong("content-length").orElse(-1);
            if (declared > store.maxBytes()) {
                response.body().close();
                throw new TrainerError(Status.Code.RESOURCE_EXHAUSTED, "corpus_url '" + url + "' is " + declared
                        + " bytes, over the cap of " + store.maxBytes() + " bytes (scratchgpt.corpus.max-bytes)");
            }
            return store.store(new Watched(response.body(), received, stopped), uri.getPath());
        } catch (IOException | ExecutionException | CancellationException e) {
            if (stopped.get() != null) {
                throw stoppedError(url, stopped.get(), received.get());
            }
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof HttpTimeoutException) { // the headers did not come in time
                throw stoppedError(url, caller != null && caller.isExpired() && !own.isExpired()
                        ? Stop.CALLER_DEADLINE : Stop.TIMEOUT, received.get());
            }
            // Connection failures often carry no message; the exception's kind is the useful part.
            String why = cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
            throw new TrainerError(Status.Code.UNAVAILABLE, "could not download corpus_url '" + url + "': " + why);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abort(pending);
            throw new TrainerError(Status.Code.CANCELLED, "download of corpus_url '" + url + "' was interrupted");
        } finally {
            watchdog.cancel(false);
        }
    }

    /** Why a download was ended before the server finished it. */
    private enum Stop { TIMEOUT, CALLER_DEADLINE, CALLER_CANCELLED }

    private TrainerError stoppedError(String url, Stop why, long bytes) {
        String prefix = "the download of corpus_url '" + url + "' ";
        String suffix = " after " + bytes + " bytes; nothing was stored";
        return switch (why) {
            case TIMEOUT -> new TrainerError(Status.Code.DEADLINE_EXCEEDED, prefix + "did not finish within "
                    + timeout + " (scratchgpt.corpus.download-timeout): it stopped" + suffix);
            case CALLER_DEADLINE -> new TrainerError(Status.Code.DEADLINE_EXCEEDED, prefix
                    + "was stopped at the caller's deadline" + suffix + " (scratchgpt.corpus.download-timeout is "
                    + timeout + ")");
            case CALLER_CANCELLED -> new TrainerError(Status.Code.CANCELLED, prefix
                    + "was stopped because the caller cancelled" + suffix);
        };
    }

    /** Cancels the request, or closes the body of a response that already arrived. */
    private static void abort(CompletableFuture<HttpResponse<InputStream>> pending) {
        if (pending.cancel(true)) {
            return;
        }
        try {
            pending.join().body().close();
        } catch (IOException | RuntimeException e) {
            // already failed or closed: nothing left to stop
        }
    }

    /**
     * The response body, counting bytes for the error sentence. After the watchdog fired, it
     * fails rather than report the end: a closed body must never be stored as a complete corpus.
     */
    private static final class Watched extends FilterInputStream {
        private final AtomicLong received;
        private final AtomicReference<Stop> stopped;

        Watched(InputStream in, AtomicLong received, AtomicReference<Stop> stopped) {
            super(in);
            this.received = received;
            this.stopped = stopped;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int r = in.read(b, off, len);
            if (stopped.get() != null) {
                throw new IOException("download stopped");
            }
            if (r > 0) {
                received.addAndGet(r);
            }
            return r;
        }
    }

    /** A file under the data directory, given relative to it; anything resolving outside is refused. */
    public Corpus byPath(String relative) {
        Path resolved;
        try {
            resolved = dataDir.resolve(relative).normalize();
            if (resolved.startsWith(dataDir) && Files.exists(resolved)) {
                resolved = resolved.toRealPath(); // follow links, then check again
            }
        } catch (IOException | java.nio.file.InvalidPathException e) {
            throw TrainerError.invalid("corpus_path '" + relative + "' is not a usable path: " + e.getMessage());
        }
        Path realData;
        try {
            realData = dataDir.toRealPath();
        } catch (IOException e) {
            realData = dataDir;
        }
        if (!resolved.startsWith(dataDir) && !resolved.startsWith(realData)) {
            throw TrainerError.invalid("corpus_path '" + relative + "' resolves outside the data directory "
                    + dataDir + "; only files under it are allowed");
        }
        if (!Files.isRegularFile(resolved)) {
            throw TrainerError.invalid("corpus_path '" + relative + "' is not a file under the data directory " + dataDir);
        }
        try {
            return store.store(Files.newInputStream(resolved), resolved.getFileName().toString());
        } catch (IOException e) {
            throw TrainerError.invalid("corpus_path '" + relative + "' could not be read: " + e.getMessage());
        }
    }
}
