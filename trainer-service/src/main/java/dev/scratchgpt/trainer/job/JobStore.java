package dev.scratchgpt.trainer.job;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.scratchgpt.trainer.data.DataDirectory;
import dev.scratchgpt.trainer.v1.Job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Job records in {@code <data>/jobs/<job_id>/job.json} (the Job message as JSON, written to a
 * temporary file and renamed), beside the job's checkpoint. They survive restarts.
 */
public final class JobStore {

    private final Path dir;

    public JobStore(Path dataDir) {
        this.dir = dataDir.resolve("jobs");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path jobDir(String jobId) {
        return dir.resolve(jobId);
    }

    /** Replaces the job's record; on failure the previous record stays and no temporary file is left. */
    public void save(Job job) {
        Path target = jobDir(job.getJobId()).resolve("job.json");
        try {
            DataDirectory.replaceAtomically(target, temp -> Files.writeString(temp, JsonFormat.printer().print(job)));
        } catch (IOException e) {
            throw new UncheckedIOException(new IOException("saving job record " + target + " failed: "
                    + DataDirectory.reason(e), e));
        }
    }

    public List<Job> loadAll() {
        List<Job> jobs = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(dir)) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                Path file = d.resolve("job.json");
                if (Files.isRegularFile(file)) {
                    Job.Builder b = Job.newBuilder();
                    try {
                        JsonFormat.parser().merge(Files.readString(file), b);
                        jobs.add(b.build());
                    } catch (InvalidProtocolBufferException e) {
                        throw new IOException("unreadable job record " + file + ": " + e.getMessage(), e);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return jobs;
    }
}
