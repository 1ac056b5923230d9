package dev.scratchgpt.trainer;

import dev.scratchgpt.trainer.data.CorpusStore;
import dev.scratchgpt.trainer.job.JobManager;
import dev.scratchgpt.trainer.v1.CancelJobRequest;
import dev.scratchgpt.trainer.v1.Corpus;
import dev.scratchgpt.trainer.v1.ExportModelRequest;
import dev.scratchgpt.trainer.v1.ExportModelResponse;
import dev.scratchgpt.trainer.v1.GetJobRequest;
import dev.scratchgpt.trainer.v1.Job;
import dev.scratchgpt.trainer.v1.ListCorporaRequest;
import dev.scratchgpt.trainer.v1.ListCorporaResponse;
import dev.scratchgpt.trainer.v1.ListJobsRequest;
import dev.scratchgpt.trainer.v1.ListJobsResponse;
import dev.scratchgpt.trainer.v1.PreviewBatchRequest;
import dev.scratchgpt.trainer.v1.PreviewBatchResponse;
import dev.scratchgpt.trainer.v1.ResumeJobRequest;
import dev.scratchgpt.trainer.v1.StartTrainingRequest;
import dev.scratchgpt.trainer.v1.StartTrainingResponse;
import dev.scratchgpt.trainer.v1.TrainerGrpc;
import dev.scratchgpt.trainer.v1.TrainingEvent;
import dev.scratchgpt.trainer.v1.UploadCorpusRequest;
import dev.scratchgpt.trainer.v1.WatchTrainingRequest;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.function.Supplier;

/** The Trainer gRPC service: validates, delegates to {@link TrainerService}, maps errors to statuses. */
@GrpcService
public class TrainerEndpoint extends TrainerGrpc.TrainerImplBase {

    private static final Logger LOG = Logger.getLogger(TrainerEndpoint.class);

    /** Largest UploadCorpus message; the transport's own cap is higher so that this one has a sentence. */
    static final int MAX_CHUNK_BYTES = 16 * 1024 * 1024;
    static final int MAX_FILENAME_CHARS = 255;

    @Inject
    TrainerService trainer;

    @Override
    @Blocking
    public StreamObserver<UploadCorpusRequest> uploadCorpus(StreamObserver<Corpus> response) {
        return new StreamObserver<>() {
            private CorpusStore.Upload upload;
            private boolean failed;

            @Override
            public void onNext(UploadCorpusRequest chunk) {
                if (failed) {
                    return;
                }
                try {
                    if (chunk.getSerializedSize() > MAX_CHUNK_BYTES) {
                        throw new TrainerError(Status.Code.RESOURCE_EXHAUSTED, "the UploadCorpus message is "
                                + chunk.getSerializedSize() + " bytes but the limit is " + MAX_CHUNK_BYTES
                                + " bytes per message: send the corpus in smaller chunks (64 KiB to 1 MiB works well)");
                    }
                    if (upload == null) {
                        if (chunk.getFilename().length() > MAX_FILENAME_CHARS) {
                            throw TrainerError.invalid("filename is " + chunk.getFilename().length()
                                    + " characters long; at most " + MAX_FILENAME_CHARS + " are allowed");
                        }
                        upload = trainer.corpora().begin(chunk.getFilename());
                    }
                    byte[] data = chunk.getData().toByteArray();
                    upload.write(data, 0, data.length);
                } catch (RuntimeException | IOException e) {
                    fail(e);
                }
            }

            @Override
            public void onError(Throwable t) {
                if (upload != null) {
                    upload.close(); // the client gave up: drop the partial file
                }
            }

            @Override
            public void onCompleted() {
                if (failed) {
                    return;
                }
                if (upload == null) {
                    response.onError(Status.INVALID_ARGUMENT.withDescription(
                            "the corpus is empty: send its bytes in UploadCorpusRequest.data").asRuntimeException());
                    return;
                }
                try (CorpusStore.Upload u = upload) {
                    Corpus corpus = u.commit();
                    LOG.infof("corpus %s stored: %d bytes, %d chars", corpus.getCorpusId(), corpus.getSizeBytes(),
                            corpus.getSizeChars());
                    response.onNext(corpus);
                    response.onCompleted();
                } catch (RuntimeException | IOException e) {
                    fail(e);
                }
            }

            private void fail(Exception e) {
                failed = true;
                if (upload != null) {
                    upload.close();
                }
                response.onError(toStatus(e));
            }
        };
    }

    @Override
    @Blocking
    public void listCorpora(ListCorporaRequest request, StreamObserver<ListCorporaResponse> response) {
        unary(response, () -> ListCorporaResponse.newBuilder().addAllCorpora(trainer.corpora().list()).build());
    }

    @Override
    @Blocking
    public void startTraining(StartTrainingRequest request, StreamObserver<StartTrainingResponse> response) {
        unary(response, () -> {
            Job job = trainer.startTraining(request, ((ServerCallStreamObserver<?>) response)::isCancelled);
            return StartTrainingResponse.newBuilder().setJobId(job.getJobId()).setJob(job).build();
        });
    }

    @Override
    @Blocking
    public void watchTraining(WatchTrainingRequest request, StreamObserver<TrainingEvent> response) {
        ServerCallStreamObserver<TrainingEvent> call = (ServerCallStreamObserver<TrainingEvent>) response;
        try {
            Runnable stop = trainer.jobs().watch(jobId(request.getJobId()), new JobManager.Watcher() {
                @Override
                public void onEvent(TrainingEvent event) {
                    synchronized (call) {
                        if (!call.isCancelled()) {
                            call.onNext(event);
                        }
                    }
                }

                @Override
                public void onEnd() {
                    synchronized (call) {
                        if (!call.isCancelled()) {
                            call.onCompleted();
                        }
                    }
                }
            });
            call.setOnCancelHandler(stop);
        } catch (RuntimeException e) {
            response.onError(toStatus(e));
        }
    }

    @Override
    @Blocking
    public void getJob(GetJobRequest request, StreamObserver<Job> response) {
        unary(response, () -> trainer.jobs().get(jobId(request.getJobId())));
    }

    @Override
    @Blocking
    public void listJobs(ListJobsRequest request, StreamObserver<ListJobsResponse> response) {
        unary(response, () -> ListJobsResponse.newBuilder().addAllJobs(trainer.jobs().list()).build());
    }

    @Override
    @Blocking
    public void cancelJob(CancelJobRequest request, StreamObserver<Job> response) {
        unary(response, () -> trainer.jobs().cancel(jobId(request.getJobId())));
    }

    @Override
    @Blocking
    public void resumeJob(ResumeJobRequest request, StreamObserver<Job> response) {
        unary(response, () -> trainer.jobs().resume(jobId(request.getJobId())));
    }

    @Override
    @Blocking
    public void previewBatch(PreviewBatchRequest request, StreamObserver<PreviewBatchResponse> response) {
        unary(response, () -> {
            if (request.getCorpusId().isEmpty()) {
                throw TrainerError.invalid("corpus_id is empty: name a corpus from UploadCorpus or ListCorpora");
            }
            return trainer.previewBatch(request);
        });
    }

    @Override
    @Blocking
    public void exportModel(ExportModelRequest request, StreamObserver<ExportModelResponse> response) {
        unary(response, () -> trainer.exportModel(request.toBuilder().setJobId(jobId(request.getJobId())).build()));
    }

    private static String jobId(String jobId) {
        if (jobId.isEmpty()) {
            throw TrainerError.invalid("job_id is empty: name a job from StartTraining or ListJobs");
        }
        return jobId;
    }

    private static <T> void unary(StreamObserver<T> response, Supplier<T> call) {
        T value;
        try {
            value = call.get();
        } catch (RuntimeException e) {
            response.onError(toStatus(e));
            return;
        }
        response.onNext(value);
        response.onCompleted();
    }

    private static RuntimeException toStatus(Exception e) {
        if (e instanceof TrainerError t) {
            return Status.fromCode(t.code()).withDescription(t.getMessage()).asRuntimeException();
        }
        LOG.error("unexpected error", e);
        return Status.INTERNAL.withDescription("the trainer failed: " + e.getMessage()).asRuntimeException();
    }
}
