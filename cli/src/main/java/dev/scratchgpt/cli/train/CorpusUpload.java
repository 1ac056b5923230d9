package dev.scratchgpt.cli.train;

import com.google.protobuf.ByteString;
import dev.scratchgpt.cli.CliException;
import dev.scratchgpt.trainer.v1.Corpus;
import dev.scratchgpt.trainer.v1.TrainerGrpc;
import dev.scratchgpt.trainer.v1.UploadCorpusRequest;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Streams a file to {@code Trainer/UploadCorpus} in chunks, sending only when the transport
 * is ready, so a corpus of any size goes through in constant memory.
 */
public final class CorpusUpload {

    // Well below the server's message limit (Vert.x gRPC servers default to 256 KiB).
    static final int CHUNK = 64 * 1024;

    private CorpusUpload() {
    }

    public static Corpus upload(TrainerGrpc.TrainerStub trainer, Path file) {
        if (!Files.isRegularFile(file)) {
            throw new CliException("Corpus file " + file + " does not exist (or is not a file).");
        }
        CompletableFuture<Corpus> result = new CompletableFuture<>();
        try (InputStream in = Files.newInputStream(file)) {
            trainer.uploadCorpus(new ClientResponseObserver<UploadCorpusRequest, Corpus>() {
                private boolean first = true;
                private boolean done;

                @Override
                public void beforeStart(ClientCallStreamObserver<UploadCorpusRequest> requests) {
                    requests.setOnReadyHandler(() -> {
                        try {
                            while (!done && requests.isReady()) {
                                byte[] chunk = in.readNBytes(CHUNK);
                                if (chunk.length > 0 || first) {
                                    UploadCorpusRequest.Builder b = UploadCorpusRequest.newBuilder().setData(ByteString.copyFrom(chunk));
                                    if (first) {
                                        b.setFilename(file.getFileName().toString());
                                        first = false;
                                    }
                                    requests.onNext(b.build());
                                }
                                if (chunk.length < CHUNK) {
                                    done = true;
                                    requests.onCompleted();
                                }
                            }
                        } catch (IOException e) {
                            done = true;
                            requests.onError(e);
                            result.completeExceptionally(new UncheckedIOException(e));
                        }
                    });
                }

                @Override
                public void onNext(Corpus corpus) {
                    result.complete(corpus);
                }

                @Override
                public void onError(Throwable t) {
                    result.completeExceptionally(t);
                }

                @Override
                public void onCompleted() {
                    // the Corpus arrived in onNext
                }
            });
            return result.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StatusRuntimeException sre) {
                throw sre;
            }
            throw new CliException("Uploading " + file + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (IOException e) {
            throw new CliException("Cannot read " + file + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("Interrupted while uploading " + file);
        }
    }
}
