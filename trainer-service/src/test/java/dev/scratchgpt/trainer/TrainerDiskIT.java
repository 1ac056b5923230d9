package dev.scratchgpt.trainer;

import dev.scratchgpt.store.ModelStore;
import dev.scratchgpt.testing.ServiceProcess;
import dev.scratchgpt.testing.SharedData;
import dev.scratchgpt.trainer.job.Checkpoint;
import dev.scratchgpt.trainer.v1.CancelJobRequest;
import dev.scratchgpt.trainer.v1.Corpus;
import dev.scratchgpt.trainer.v1.ExportModelRequest;
import dev.scratchgpt.trainer.v1.Job;
import dev.scratchgpt.trainer.v1.JobState;
import dev.scratchgpt.trainer.v1.ModelType;
import dev.scratchgpt.trainer.v1.ResumeJobRequest;
import dev.scratchgpt.trainer.v1.StartTrainingRequest;
import dev.scratchgpt.trainer.v1.TrainerGrpc;
import dev.scratchgpt.trainer.v1.TrainingSpec;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged trainer on a data directory it cannot write: unwritable from the start (it
 * refuses to start, saying so in one line), or full part way through a job (the job fails with a
 * sentence, the previous checkpoint and the store are intact, the service stays up and recovers
 * once space is freed).
 *
 * <p>The errors are real kernel errors. Where a tmpfs can be mounted (root with CAP_SYS_ADMIN):
 * a read-only tmpfs (EROFS) and a small tmpfs filled up (ENOSPC). Elsewhere: a data directory
 * below a regular file (ENOTDIR), and a file-size limit set on the running trainer with
 * prlimit(1) (EFBIG, "File too large"; the JVM ignores SIGXFSZ), which fails the same writes
 * at the same places.
 */
class TrainerDiskIT {

    private static final Map<String, String> NO_TOKENIZER = Map.of("ai.djl.pytorch.num_threads", "1");

    @Test
    void anUnwritableDataDirectoryStopsTheTrainerAtStartWithASentence() throws Exception {
        if (Tmpfs.allowed()) {
            Path dir = Files.createTempDirectory("trainer-ro-data");
            try (Tmpfs ignored = Tmpfs.mount(dir, "ro,size=1m")) {
                assertRefusedAtStart(dir, "Read-only file system");
            } finally {
                Files.deleteIfExists(dir);
            }
        } else {
            Path file = Files.createTempFile("trainer-not-a-folder", ".txt");
            try {
                assertRefusedAtStart(file.resolve("data"), "Not a directory");
            } finally {
                Files.deleteIfExists(file);
            }
        }
    }

    private static void assertRefusedAtStart(Path dir, String reason) {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ServiceProcess.start("trainer-service", dir, ServiceProcess.freePort(), NO_TOKENIZER));
        assertTrue(e.getMessage().contains("the data directory " + dir + " is not writable"), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        assertTrue(e.getMessage().contains("SCRATCHGPT_DATA_DIR"), e.getMessage());
    }

    @Test
    void aFullDiskFailsTheJobWithASentenceAndKeepsTheCheckpointAndTheStore() throws Exception {
        Path dir = Files.createTempDirectory("trainer-full-data");
        boolean tmpfs = Tmpfs.allowed();
        try (Tmpfs ignored = tmpfs ? Tmpfs.mount(dir, "size=64m") : null;
             ServiceProcess tokenizer = ServiceProcess.start("tokenizer-service", Map.of())) {
            Map<String, String> props = Map.of(
                    "quarkus.grpc.clients.tokenizer.host", "127.0.0.1",
                    "quarkus.grpc.clients.tokenizer.port", String.valueOf(tokenizer.port()),
                    "ai.djl.pytorch.num_threads", "1");
            try (ServiceProcess trainer = ServiceProcess.start("trainer-service", dir, ServiceProcess.freePort(), props)) {
                ManagedChannel channel = trainer.channel();
                try {
                    fillUpMidJob(dir, channel, tmpfs ? new FullTmpfs(dir) : new FileSizeLimit(trainer.process().pid()));
                } finally {
                    channel.shutdownNow();
                }
            }
        } finally {
            if (!tmpfs) {
                try (var paths = Files.walk(dir)) {
                    paths.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    /** Makes large writes into the data directory fail, and undoes it. */
    private interface DiskFull {
        void fill() throws Exception;

        void free() throws Exception;

        /** The operating system's words for the failure. */
        String reason();
    }

    /** Real ENOSPC: a filler file leaves 256 KiB of the tmpfs, room for job records, not for a checkpoint. */
    private record FullTmpfs(Path dir) implements DiskFull {
        @Override
        public void fill() throws Exception {
            long toWrite = Files.getFileStore(dir).getUsableSpace() - 256 * 1024;
            try (OutputStream out = Files.newOutputStream(dir.resolve("filler"))) {
                byte[] chunk = new byte[1 << 20];
                for (long left = toWrite; left > 0; left -= chunk.length) {
                    out.write(chunk, 0, (int) Math.min(chunk.length, left));
                }
            }
        }

        @Override
        public void free() throws Exception {
            Files.delete(dir.resolve("filler"));
        }

        @Override
        public String reason() {
            return "No space left on device";
        }
    }

    /** Real EFBIG: the trainer may write no file past 256 KiB (its soft RLIMIT_FSIZE, via prlimit). */
    private record FileSizeLimit(long pid) implements DiskFull {
        @Override
        public void fill() throws Exception {
            prlimit("262144:");
        }

        @Override
        public void free() throws Exception {
            prlimit("unlimited:");
        }

        @Override
        public String reason() {
            return "File too large";
        }

        private void prlimit(String limit) throws Exception {
            Process p = new ProcessBuilder("prlimit", "--pid", String.valueOf(pid), "--fsize=" + limit)
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor(), "prlimit --fsize=" + limit + ": " + out);
        }
    }

    private static void fillUpMidJob(Path dir, ManagedChannel channel, DiskFull disk) throws Exception {
        TrainerGrpc.TrainerBlockingStub trainer = TrainerGrpc.newBlockingStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS);
        byte[] text = Arrays.copyOf(Files.readAllBytes(SharedData.tinyShakespeare()), 50_000);
        Corpus corpus = TrainerClient.upload(channel, text, 16_000);
        // About 110 k parameters: a checkpoint (weights and two moments) of about 1.3 MB.
        TrainingSpec spec = TrainingSpec.newBuilder().setModelType(ModelType.MODEL_TYPE_GPT).setBatchSize(8)
                .setBlockSize(32).setNEmbd(64).setNHead(4).setNLayer(2).setLearningRate(1e-2f)
                .setMaxSteps(100_000).setEvalInterval(25).setEvalIters(2).setCheckpointInterval(25).build();
        String jobId = trainer.startTraining(StartTrainingRequest.newBuilder().setCorpusId(corpus.getCorpusId())
                .setModelName("full").setSpec(spec).build()).getJobId();
        TrainerClient.await(channel, jobId, j -> j.getCheckpointStep() >= 25, 300);

        disk.fill();

        Job failed = TrainerClient.await(channel, jobId, j -> j.getState() == JobState.JOB_STATE_FAILED, 300);
        Path checkpointDir = dir.resolve("jobs").resolve(jobId).resolve("checkpoint");
        String error = failed.getError();
        assertTrue(error.contains(disk.reason()), error);
        assertTrue(error.contains(checkpointDir.resolve(Checkpoint.FILE).toString()), "names the file: " + error);
        assertTrue(error.contains("checkpoint at step " + failed.getCheckpointStep() + " is kept"), error);
        assertTrue(failed.getCheckpointStep() >= 25 && failed.getCheckpointStep() < failed.getStep(), failed.toString());
        assertEquals(List.of(Checkpoint.FILE), fileNames(checkpointDir), "no temporary file is left");
        assertEquals(failed.getCheckpointStep(), Checkpoint.read(checkpointDir).step(), "the previous checkpoint is whole");

        // The service stays up and answers.
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, HealthGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()).getStatus());

        // An export into the full store is refused with a sentence; nothing torn is left.
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> trainer.exportModel(ExportModelRequest.newBuilder().setJobId(jobId).build()));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode(), refused.getStatus().toString());
        String why = refused.getStatus().getDescription();
        assertTrue(why.contains(disk.reason()) && why.contains("no version was added")
                && why.contains(ModelStore.inDataDir(dir).root().resolve("full").toString()), why);
        assertTrue(PublishedModels.verifyAll(dir).isEmpty(), "the store lists nothing");
        assertTrue(PublishedModels.temporaryFolders(dir, "full").isEmpty(), "the failed publish removed its folder");

        // Space freed: export and resume work again without a restart.
        disk.free();
        assertEquals(1, trainer.exportModel(ExportModelRequest.newBuilder().setJobId(jobId).build()).getModelVersion());
        assertEquals(1, PublishedModels.verifyAll(dir).size());
        Job resumed = trainer.resumeJob(ResumeJobRequest.newBuilder().setJobId(jobId).build());
        assertEquals(failed.getCheckpointStep(), resumed.getStep());
        TrainerClient.await(channel, jobId, j -> j.getCheckpointStep() > failed.getCheckpointStep(), 300);
        assertEquals(JobState.JOB_STATE_CANCELLED,
                trainer.cancelJob(CancelJobRequest.newBuilder().setJobId(jobId).build()).getState());
    }

    private static List<String> fileNames(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
