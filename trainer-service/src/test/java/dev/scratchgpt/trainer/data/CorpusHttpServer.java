package dev.scratchgpt.trainer.data;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real HTTP server on 127.0.0.1 for corpus_url downloads: well-behaved bodies, and the ones a
 * download timeout exists for (a body that trickles, one that stalls, a length it never sends).
 * Each request gets its own thread, so a stalled response does not hold up the next request.
 */
public final class CorpusHttpServer implements AutoCloseable {

    private final HttpServer server;
    /** A thread per request, gone a second after it: a service test counts the JVM's live threads. */
    private final ExecutorService handlers = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 1, TimeUnit.SECONDS,
            new SynchronousQueue<>());
    private final AtomicLong sent = new AtomicLong();
    private final CountDownLatch hungUp = new CountDownLatch(1);

    public CorpusHttpServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(handlers);
        server.start();
    }

    /** {@code body} with its Content-Length. */
    public String serve(String path, byte[] body) {
        return route(path, ex -> {
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
    }

    /** No Content-Length, then {@code bytes} bytes of text in 64 KiB chunks. */
    public String stream(String path, long bytes) {
        return route(path, ex -> {
            ex.sendResponseHeaders(200, 0);
            byte[] chunk = "abcdefgh\n".repeat(1 << 13).getBytes();
            try (OutputStream out = ex.getResponseBody()) {
                for (long left = bytes; left > 0; left -= chunk.length) {
                    out.write(chunk, 0, (int) Math.min(chunk.length, left));
                }
            }
        });
    }

    /** Headers that announce {@code contentLength} bytes, and no body. */
    public String declareOnly(String path, long contentLength) {
        return route(path, ex -> {
            ex.sendResponseHeaders(200, contentLength);
            ex.getResponseBody().flush();
            pause(2_000); // the client reads the headers and hangs up
            ex.close();
        });
    }

    /** Headers without Content-Length, then one byte every 100 ms for a minute. */
    public String trickle(String path) {
        return route(path, ex -> drip(ex, 1, 100));
    }

    /** Headers without Content-Length, five bytes, then nothing for ten minutes. */
    public String stall(String path) {
        return route(path, ex -> drip(ex, 5, 600_000));
    }

    /** Bytes the trickling and stalling responses have sent so far. */
    public long sent() {
        return sent.get();
    }

    /** Whether the client of a trickling or stalling response closed the connection within {@code wait}. */
    public boolean awaitHangUp(Duration wait) throws InterruptedException {
        return hungUp.await(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    private interface Handler {
        void handle(HttpExchange ex) throws IOException;
    }

    /** The URL of {@code path} on this server; a path no method above routed answers 404. */
    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private String route(String path, Handler handler) {
        server.createContext(path, handler::handle);
        return url(path);
    }

    private void drip(HttpExchange ex, int bytes, long pauseMillis) throws IOException {
        ex.sendResponseHeaders(200, 0);
        try (OutputStream out = ex.getResponseBody()) {
            for (int i = 0; i < 600 && !Thread.currentThread().isInterrupted(); i++) {
                out.write("abcde".substring(0, bytes).getBytes());
                out.flush();
                sent.addAndGet(bytes);
                pause(pauseMillis);
            }
        } catch (IOException e) {
            hungUp.countDown(); // the client closed the connection
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the server is closing
        }
    }

    @Override
    public void close() {
        handlers.shutdownNow();
        server.stop(0);
    }
}
