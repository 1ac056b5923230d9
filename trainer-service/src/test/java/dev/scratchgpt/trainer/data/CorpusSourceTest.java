package dev.scratchgpt.trainer.data;

import com.sun.net.httpserver.HttpServer;
import dev.scratchgpt.trainer.TrainerError;
import dev.scratchgpt.trainer.v1.Corpus;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
            assertEquals(18, source.byUrl(base + "/small.txt").getSizeBytes());
            assertEquals(Status.Code.RESOURCE_EXHAUSTED,
                    assertThrows(TrainerError.class, () -> source.byUrl(base + "/big.txt")).code());
            TrainerError missing = assertThrows(TrainerError.class, () -> source.byUrl(base + "/nope"));
            assertTrue(missing.getMessage().contains("HTTP 404"), missing.getMessage());
            TrainerError file = assertThrows(TrainerError.class, () -> source.byUrl("file:///etc/passwd"));
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
        TrainerError e = assertThrows(TrainerError.class, () -> source.byUrl("http://127.0.0.1:" + closedPort + "/x.txt"));
        assertEquals(Status.Code.UNAVAILABLE, e.code());
        assertTrue(e.getMessage().startsWith("could not download corpus_url 'http://127.0.0.1:" + closedPort + "/x.txt': "),
                e.getMessage());
        assertFalse(e.getMessage().endsWith("null"), e.getMessage());
    }

    private static void respond(com.sun.net.httpserver.HttpExchange ex, String body) throws java.io.IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
