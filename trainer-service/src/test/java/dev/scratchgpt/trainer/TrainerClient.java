package dev.scratchgpt.trainer;

import com.google.protobuf.ByteString;
import dev.scratchgpt.trainer.v1.Corpus;
import dev.scratchgpt.trainer.v1.GetJobRequest;
import dev.scratchgpt.trainer.v1.Job;
import dev.scratchgpt.trainer.v1.TrainerGrpc;
import dev.scratchgpt.trainer.v1.TrainingEvent;
import dev.scratchgpt.trainer.v1.UploadCorpusRequest;
import dev.scratchgpt.trainer.v1.WatchTrainingRequest;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** What the tests do as a client over a real channel: upload in chunks, watch to the end. */
final class TrainerClient {

    private TrainerClient() {
    }

    static Corpus upload(Channel channel, byte[] bytes, int chunk) throws Exception {
        CompletableFuture<Corpus> result = new CompletableFuture<>();
        StreamObserver<UploadCorpusRequest> requests = TrainerGrpc.newStub(channel).uploadCorpus(new StreamObserver<>() {
            @Override
            public void onNext(Corpus value) {
                result.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        });
        for (int off = 0; off < bytes.length; off += chunk) {
            requests.onNext(UploadCorpusRequest.newBuilder().setFilename("tiny.txt")
                    .setData(ByteString.copyFrom(bytes, off, Math.min(chunk, bytes.length - off))).build());
        }
        requests.onCompleted();
        try {
            return result.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw (Exception) e.getCause();
        }
    }

    static Job job(Channel channel, String jobId) {
        return TrainerGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .getJob(GetJobRequest.newBuilder().setJobId(jobId).build());
    }

    /** Polls GetJob until the job satisfies {@code condition}; fails after {@code timeoutSeconds}. */
    static Job await(Channel channel, String jobId, Predicate<Job> condition, long timeoutSeconds)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        Job job = null;
        while (System.nanoTime() < deadline) {
            job = job(channel, jobId);
            if (condition.test(job)) {
                return job;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("job " + jobId + " did not get there within " + timeoutSeconds + " s; last: " + job);
    }

    /** Every event of a watch until the server ends it. */
    static List<TrainingEvent> watchToEnd(Channel channel, String jobId, long timeoutSeconds) {
        List<TrainingEvent> events = new ArrayList<>();
        Iterator<TrainingEvent> it = TrainerGrpc.newBlockingStub(channel).withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS)
                .watchTraining(WatchTrainingRequest.newBuilder().setJobId(jobId).build());
        it.forEachRemaining(events::add);
        return events;
    }
}
