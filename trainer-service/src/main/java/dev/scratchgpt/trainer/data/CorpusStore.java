package dev.scratchgpt.trainer.data;

import com.google.protobuf.util.JsonFormat;
import com.google.protobuf.util.Timestamps;
import dev.scratchgpt.trainer.TrainerError;
import dev.scratchgpt.trainer.v1.Corpus;
import io.grpc.Status;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Corpora in {@code <data>/corpora}: {@code <sha256>.txt} holds the bytes and
 * {@code <sha256>.json} the metadata. The same bytes uploaded twice are stored once. Every
 * file is written to a temporary name first and renamed into place.
 */
public final class CorpusStore {

    private static final Pattern ID = Pattern.compile("[0-9a-f]{64}");

    private final Path dir;
    private final long maxBytes;

    public CorpusStore(Path dataDir, long maxBytes) {
        this.dir = dataDir.resolve("corpora");
        this.maxBytes = maxBytes;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public long maxBytes() {
        return maxBytes;
    }

    /** An upload in progress: bytes go to a temporary file while their hash is computed. */
    public Upload begin(String filename) {
        return new Upload(filename);
    }

    /** Stores everything {@code in} yields (closing it), as one upload. */
    public Corpus store(InputStream in, String filename) throws IOException {
        try (Upload upload = begin(filename); in) {
            byte[] buf = new byte[1 << 16];
            int r;
            while ((r = in.read(buf)) > 0) {
                upload.write(buf, 0, r);
            }
            return upload.commit();
        }
    }

    public Optional<Corpus> get(String corpusId) {
        if (corpusId == null || !ID.matcher(corpusId).matches()) {
            return Optional.empty();
        }
        Path meta = dir.resolve(corpusId + ".json");
        if (!Files.isRegularFile(meta) || !Files.isRegularFile(textPath(corpusId))) {
            return Optional.empty();
        }
        try {
            Corpus.Builder b = Corpus.newBuilder();
            JsonFormat.parser().merge(Files.readString(meta), b);
            return Optional.of(b.build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Corpus require(String corpusId) {
        return get(corpusId).orElseThrow(() -> TrainerError.notFound(
                "corpus_id '" + corpusId + "' is not a stored corpus; upload it with UploadCorpus or list them with ListCorpora"));
    }

    public Path textPath(String corpusId) {
        return dir.resolve(corpusId + ".txt");
    }

    /** Every stored corpus, newest first. */
    public List<Corpus> list() {
        List<Corpus> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".json"))
                    .map(n -> n.substring(0, n.length() - 5))
                    .forEach(id -> get(id).ifPresent(out::add));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.sort(Comparator.comparing((Corpus c) -> Timestamps.toNanos(c.getCreatedAt())).reversed());
        return out;
    }

    public final class Upload implements AutoCloseable {
        private final String filename;
        private final Path temp;
        private final OutputStream out;
        private final MessageDigest sha;
        private long bytes;
        private long chars;
        private boolean done;

        private Upload(String filename) {
            this.filename = filename == null ? "" : filename;
            try {
                this.temp = Files.createTempFile(dir, "upload-", ".tmp");
                this.out = Files.newOutputStream(temp);
                this.sha = MessageDigest.getInstance("SHA-256");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        public void write(byte[] data, int off, int len) throws IOException {
            if (bytes + len > maxBytes) {
                throw new TrainerError(Status.Code.RESOURCE_EXHAUSTED, "the corpus is larger than the cap of "
                        + maxBytes + " bytes (scratchgpt.corpus.max-bytes)");
            }
            out.write(data, off, len);
            sha.update(data, off, len);
            for (int i = off; i < off + len; i++) {
                if ((data[i] & 0xC0) != 0x80) { // every UTF-8 code point has one non-continuation byte
                    chars++;
                }
            }
            bytes += len;
        }

        /** Finishes the upload: renames the bytes into place (or drops them as a duplicate). */
        public Corpus commit() throws IOException {
            out.close();
            if (bytes == 0) {
                throw TrainerError.invalid("the corpus is empty: send its bytes in UploadCorpusRequest.data");
            }
            String id = HexFormat.of().formatHex(sha.digest());
            done = true;
            Optional<Corpus> existing = get(id);
            if (existing.isPresent()) {
                Files.deleteIfExists(temp);
                return existing.get();
            }
            checkUtf8(temp);
            DataDirectory.move(temp, textPath(id));
            Corpus corpus = Corpus.newBuilder()
                    .setCorpusId(id).setSizeBytes(bytes).setSizeChars(chars).setFilename(filename)
                    .setCreatedAt(Timestamps.fromMillis(System.currentTimeMillis()))
                    .build();
            Path metaTemp = Files.createTempFile(dir, "meta-", ".tmp");
            Files.writeString(metaTemp, JsonFormat.printer().print(corpus));
            DataDirectory.move(metaTemp, dir.resolve(id + ".json"));
            return corpus;
        }

        @Override
        public void close() {
            try {
                out.close();
                if (!done) {
                    Files.deleteIfExists(temp);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Streamed (a corpus may be far larger than the heap), naming the offset of the first bad byte. */
    private void checkUtf8(Path file) throws IOException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder(); // reports malformed input
        ByteBuffer in = ByteBuffer.allocate(1 << 16);
        CharBuffer out = CharBuffer.allocate(1 << 16);
        long consumed = 0;
        try (ReadableByteChannel channel = Files.newByteChannel(file)) {
            boolean end = false;
            while (!end) {
                end = channel.read(in) < 0;
                in.flip();
                CoderResult result = decoder.decode(in, out, end);
                if (result.isError()) {
                    Files.deleteIfExists(file);
                    throw TrainerError.invalid("the corpus is not valid UTF-8 text: the bytes at offset "
                            + (consumed + in.position())
                            + " do not form a character; upload the corpus as UTF-8 (nothing was stored)");
                }
                consumed += in.position();
                in.compact();
                out.clear();
            }
        }
    }
}
