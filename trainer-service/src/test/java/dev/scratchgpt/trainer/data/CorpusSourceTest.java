package dev.scratchgpt.trainer.data;

import com.sun.net.httpserver.HttpServer;
import dev.scratchgpt.trainer.TrainerError;
import dev.scratchgpt.trainer.v1.Corpus;
import io.grpc.Context;
import io.grpc.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Timer;
import java.util.TimerTask;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The corpus store and the three ways a job names its corpus (id, URL, path). */
class CorpusSourceTest {

    @Test
    void storesUnderTheHashOnceAndCountsCodePoints(@TempDir Path data) throws Exception {
        CorpusStore store = new CorpusStore(data, 1000);
        byte[] text = "héllo wörld\n".getBytes(StandardCharsets.UTF_8);
        Corpus a = store.store(new ByteArrayInputStream(text), "a.txt");
        Corpus b = store.store(new ByteArrayInputStream(text), "b.txt");
        assertEquals(a.getCorpusId(), b.getCorpusId());
        assertEquals(14, a.getSizeBytes());
        assertEquals(12, a.getSizeChars());
        assertEquals(1, store.list().size());
        try (var files = Files.list(data.resolve("corpora"))) {
            assertEquals(2, files.count(), "one text and one metadata file, no temporary leftovers");
        }
    }

    @Test
    void refusesOverTheCapInvalidUtf8AndEmpty(@TempDir Path data) {
        CorpusStore store = new CorpusStore(data, 10);
        TrainerError big = assertThrows(TrainerError.class, () -> store.store(new ByteArrayInputStream(new byte[11]), ""));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, big.code());
        assertTrue(big.getMessage().contains("cap of 10 bytes"));
        TrainerError bad = assertThrows(TrainerError.class,
                () -> store.store(new ByteArrayInputStream(new byte[]{(byte) 0xC3, 0x28}), ""));
        assertTrue(bad.getMessage().contains("not valid UTF-8"));
        assertThrows(TrainerError.class, () -> store.store(new ByteArrayInputStream(new byte[0]), ""));
        assertTrue(store.list().isEmpty());
    }

    @Test
    void pathsAreConfinedToTheDataDirectory(@TempDir Path root) throws Exception {
        Path data = Files.createDirectories(root.resolve("data"));
        Files.writeString(data.resolve("in.txt"), "inside");
        Files.writeString(root.resolve("secret.txt"), "outside");
        Files.createSymbolicLink(data.resolve("link.txt"), root.resolve("secret.txt"));
        CorpusSource source = new CorpusSource(new CorpusStore(data, 1000), data, Duration.ofSeconds(5));
        assertEquals(6, source.byPath("in.txt").getSizeBytes());
        for (String escape : new String[]{"../secret.txt", "/etc/passwd", "link.txt"}) {
            TrainerError e = assertThrows(TrainerError.class, () -> source.byPath(escape), escape);
            assertEquals(Status.Code.INVALID_ARGUMENT, e.code());
            assertTrue(e.getMessage().contains("outside the data directory"), e.getMessage());
        }
    }

    @Test
    void urlsAreDownloadedWithTheCapAndOnlyOverHttp(@TempDir Path data) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/small.txt", ex -> respond(ex, "to be or not to be"));
        server.createContext("/big.txt", ex -> respond(ex, "x".repeat(500)));
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            CorpusSource source = new CorpusSource(new CorpusStore(data, 100), data, Duration.ofSeconds(5));
            assertEquals(18, source.byUrl(base + "/small.txt", () -> false).getSizeBytes());
            assertEquals(Status.Code.RESOURCE_EXHAUSTED,
                    assertThrows(TrainerError.class, () -> source.byUrl(base + "/big.txt", () -> false)).code());
            TrainerError missing = assertThrows(TrainerError.class, () -> source.byUrl(base + "/nope", () -> false));
            assertTrue(missing.getMessage().contains("HTTP 404"), missing.getMessage());
            TrainerError file = assertThrows(TrainerError.class, () -> source.byUrl("file:///etc/passwd", () -> false));
            assertEquals(Status.Code.INVALID_ARGUMENT, file.code());
            assertFalse(new CorpusStore(data, 100).list().stream().anyMatch(c -> c.getSizeBytes() > 100));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aRefusedConnectionIsUnavailableWithASentenceNotNull(@TempDir Path data) throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        CorpusSource source = new CorpusSource(new CorpusStore(data, 100), data, Duration.ofSeconds(5));
        TrainerError e = assertThrows(TrainerError.class, () -> source.byUrl("http://127.0.0.1:" + closedPort + "/x.txt", () -> false));
        assertEquals(Status.Code.UNAVAILABLE, e.code());
        assertTrue(e.getMessage().startsWith("could not download corpus_url 'http://127.0.0.1:" + closedPort + "/x.txt': "),
                e.getMessage());
        assertFalse(e.getMessage().endsWith("null"), e.getMessage());
    }

    @Test
    void aTricklingBodyEndsAtTheDownloadTimeoutAndStoresNothing(@TempDir Path data) throws Exception {
        try (CorpusHttpServer server = new CorpusHttpServer()) {
            CorpusSource source = new CorpusSource(new CorpusStore(data, 1000), data, Duration.ofSeconds(1));
            String url = server.trickle("/trickle.txt");
            // the old code waited for the whole body: the hang guard below is what failed
            TrainerError e = assertTimeoutPreemptively(HANG_GUARD, () -> assertThrows(TrainerError.class, () -> source.byUrl(url, () -> false)));
            assertEquals(Status.Code.DEADLINE_EXCEEDED, e.code(), e.getMessage());
            assertTrue(e.getMessage().startsWith("the download of corpus_url '" + url + "' did not finish within PT1S"
                    + " (scratchgpt.corpus.download-timeout): it stopped after "), e.getMessage());
            assertTrue(e.getMessage().endsWith(" bytes; nothing was stored"), e.getMessage());
            long bytes = Long.parseLong(e.getMessage().replaceAll(".* after (\\d+) bytes.*", "$1"));
            assertTrue(bytes > 0 && bytes <= server.sent(), bytes + " of " + server.sent());
            assertTrue(server.awaitHangUp(Duration.ofSeconds(10)), "the connection to the server is closed");
            assertCorporaEmpty(data);
        }
    }

    @Test
    void aStalledBodyEndsAtTheDownloadTimeout(@TempDir Path data) throws Exception {
        try (CorpusHttpServer server = new CorpusHttpServer()) {
            CorpusSource source = new CorpusSource(new CorpusStore(data, 1000), data, Duration.ofSeconds(1));
            TrainerError e = assertTimeoutPreemptively(HANG_GUARD,
                    () -> assertThrows(TrainerError.class, () -> source.byUrl(server.stall("/stall.txt"), () -> false)));
            assertEquals(Status.Code.DEADLINE_EXCEEDED, e.code(), e.getMessage());
            assertTrue(e.getMessage().contains("did not finish within PT1S (scratchgpt.corpus.download-timeout):"
                    + " it stopped after 5 bytes"), e.getMessage());
            assertCorporaEmpty(data);
        }
    }

    @Test
    void theCallersDeadlineAndCancelEndTheDownloadFirst(@TempDir Path data) throws Exception {
        try (CorpusHttpServer server = new CorpusHttpServer()) {
            CorpusSource source = new CorpusSource(new CorpusStore(data, 1000), data, Duration.ofMinutes(10));
            String url = server.trickle("/trickle.txt");
            Context.CancellableContext withDeadline = Context.current()
                    .withDeadlineAfter(1, TimeUnit.SECONDS, Executors.newSingleThreadScheduledExecutor());
            TrainerError late = assertTimeoutPreemptively(HANG_GUARD,
                    () -> assertThrows(TrainerError.class, () -> withDeadline.run(() -> source.byUrl(url, () -> false))));
            assertEquals(Status.Code.DEADLINE_EXCEEDED, late.code(), late.getMessage());
            assertTrue(late.getMessage().contains("was stopped at the caller's deadline after "), late.getMessage());
            assertTrue(late.getMessage().endsWith("(scratchgpt.corpus.download-timeout is PT10M)"), late.getMessage());

            Context.CancellableContext cancellable = Context.current().withCancellation();
            new Timer(true).schedule(new TimerTask() {
                @Override
                public void run() {
                    cancellable.cancel(null);
                }
            }, 500);
            TrainerError cancelled = assertTimeoutPreemptively(HANG_GUARD,
                    () -> assertThrows(TrainerError.class, () -> cancellable.run(() -> source.byUrl(url, () -> false))));
            assertEquals(Status.Code.CANCELLED, cancelled.code(), cancelled.getMessage());
            assertTrue(cancelled.getMessage().contains("was stopped because the caller cancelled after "), cancelled.getMessage());

            // Quarkus's server marks the call cancelled without cancelling the context: the endpoint passes that on
            long gone = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
            TrainerError callGone = assertTimeoutPreemptively(HANG_GUARD,
                    () -> assertThrows(TrainerError.class, () -> source.byUrl(url, () -> System.nanoTime() > gone)));
            assertEquals(Status.Code.CANCELLED, callGone.code(), callGone.getMessage());
            assertCorporaEmpty(data);
        }
    }

    /** A hang guard, not a speed goal: the old code never returned from these downloads. */
    private static final Duration HANG_GUARD = Duration.ofSeconds(20);

    private static void assertCorporaEmpty(Path data) throws java.io.IOException {
        try (var files = Files.list(data.resolve("corpora"))) {
            assertEquals(List.of(), files.toList(), "no corpus and no temporary file");
        }
    }

    private static void respond(com.sun.net.httpserver.HttpExchange ex, String body) throws java.io.IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
