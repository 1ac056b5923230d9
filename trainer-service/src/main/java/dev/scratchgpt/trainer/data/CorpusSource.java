package dev.scratchgpt.trainer.data;

import dev.scratchgpt.trainer.TrainerError;
import dev.scratchgpt.trainer.v1.Corpus;
import io.grpc.Status;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Where a job's corpus comes from: a stored id, an http(s) URL (downloaded with the size cap
 * and a timeout, as the course fetches Project Gutenberg's eBook #18857), or a file under the
 * data directory. URLs and paths are imported into the {@link CorpusStore}, so a job always
 * trains from a corpus id.
 */
public final class CorpusSource {

    private final CorpusStore store;
    private final Path dataDir;
    private final Duration timeout;

    public CorpusSource(CorpusStore store, Path dataDir, Duration timeout) {
        this.store = store;
        this.dataDir = dataDir.toAbsolutePath().normalize();
        this.timeout = timeout;
    }

    public Corpus byId(String corpusId) {
        return store.require(corpusId);
    }

    public Corpus byUrl(String url) {
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
        HttpClient client = HttpClient.newBuilder().connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
        try {
            HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
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
            return store.store(response.body(), uri.getPath());
        } catch (IOException e) {
            // Connection failures often carry no message; the exception's kind is the useful part.
            String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            throw new TrainerError(Status.Code.UNAVAILABLE, "could not download corpus_url '" + url + "': " + why);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TrainerError(Status.Code.CANCELLED, "download of corpus_url '" + url + "' was interrupted");
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
