package dev.scratchgpt.trainer.job;

import ai.djl.Device;
import com.google.protobuf.util.Timestamps;
import dev.scratchgpt.trainer.TrainerError;
import dev.scratchgpt.trainer.device.DeviceResolver;
import dev.scratchgpt.trainer.model.LanguageModel;
import dev.scratchgpt.trainer.v1.EventKind;
import dev.scratchgpt.trainer.v1.Job;
import dev.scratchgpt.trainer.v1.JobState;
import dev.scratchgpt.trainer.v1.LossPoint;
import dev.scratchgpt.trainer.v1.TrainingEvent;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Jobs from submission to a final state. One worker thread per device trains one job at a
 * time; further jobs wait in that device's queue and show their position (the service queues
 * rather than answering RESOURCE_EXHAUSTED). Every change is saved through the {@link JobStore};
 * watchers get events. A job that was queued or running when the service stopped is marked
 * FAILED on the next start, with a sentence saying ResumeJob continues it. On a graceful
 * {@link #shutdown}, a running job first stops after its current step and is checkpointed there.
 */
public final class JobManager implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(JobManager.class);
    /** STEP events are sent at most this often per job. */
    private static final long STEP_EVENT_NANOS = 250_000_000L;

    /** Receives a job's events on the training thread; keep it quick. */
    public interface Watcher {
        void onEvent(TrainingEvent event);

        /** The job reached a final state; no more events. */
        void onEnd();
    }

    /** Publishes a job's latest checkpoint; returns its version in the store. */
    public interface Exporter {
        int export(Job job) throws Exception;
    }

    private final JobStore store;
    private final Function<Job, long[]> corpusIds;
    private final DeviceResolver devices;
    private final Exporter exporter;
    private final Map<String, Entry> jobs = new ConcurrentHashMap<>();
    private final Map<String, Worker> workers = new ConcurrentHashMap<>();
    private TrainingMetrics metrics;
    /** Set by {@link #shutdown}: running jobs stop and checkpoint, workers take no new job. */
    private volatile boolean shuttingDown;

    public JobManager(JobStore store, Function<Job, long[]> corpusIds, DeviceResolver devices, Exporter exporter) {
        this.store = store;
        this.corpusIds = corpusIds;
        this.devices = devices;
        this.exporter = exporter;
        for (Job job : store.loadAll()) {
            Job.Builder b = job.toBuilder();
            if (job.getState() == JobState.JOB_STATE_RUNNING || job.getState() == JobState.JOB_STATE_QUEUED) {
                b.setState(JobState.JOB_STATE_FAILED).setQueuePosition(0)
                        .setFinishedAt(Timestamps.fromMillis(System.currentTimeMillis()))
                        .setError("the trainer stopped while this job was " + (job.getState() == JobState.JOB_STATE_RUNNING
                                ? "running at step " + job.getStep() : "queued")
                                + "; ResumeJob continues it from its last checkpoint (step " + job.getCheckpointStep() + ")");
                store.save(b.build());
                LOG.infof("job %s was interrupted by a restart; marked FAILED (checkpoint step %d)",
                        job.getJobId(), job.getCheckpointStep());
            }
            jobs.put(job.getJobId(), new Entry(b));
        }
    }

    public void metrics(TrainingMetrics metrics) {
        this.metrics = metrics;
    }

    public int countInState(JobState state) {
        return (int) jobs.values().stream().filter(e -> e.snapshot().getState() == state).count();
    }

    /** Queues a prepared job (corpus encoded, spec resolved) on its device and returns it. */
    public Job submit(Job.Builder prepared, Device device) {
        String id = "job-" + HexFormat.of().formatHex(longBytes(ThreadLocalRandom.current().nextLong())).substring(0, 12);
        prepared.setJobId(id).setState(JobState.JOB_STATE_QUEUED).setDevice(DeviceResolver.key(device))
                .setCreatedAt(Timestamps.fromMillis(System.currentTimeMillis()));
        Entry entry = new Entry(prepared);
        jobs.put(id, entry);
        store.save(entry.snapshot());
        enqueue(entry);
        LOG.infof("job %s queued on %s: %s", id, prepared.getDevice(), prepared.getSpec().getModelType());
        return get(id);
    }

    public Job get(String jobId) {
        Entry e = entry(jobId);
        Job job = e.snapshot();
        Worker w = workers.get(job.getDevice());
        int position = job.getState() == JobState.JOB_STATE_QUEUED && w != null ? w.position(jobId) : 0;
        return job.toBuilder().setQueuePosition(position).build();
    }

    /** Every job, newest first. */
    public List<Job> list() {
        List<Job> out = new ArrayList<>();
        for (String id : jobs.keySet()) {
            out.add(get(id));
        }
        out.sort(Comparator.comparing((Job j) -> Timestamps.toNanos(j.getCreatedAt())).reversed());
        return out;
    }

    /** Stops a queued job now, a running one before its next step (its last checkpoint is kept). */
    public Job cancel(String jobId) {
        Entry e = entry(jobId);
        Job job = e.snapshot();
        switch (job.getState()) {
            case JOB_STATE_QUEUED -> {
                Worker w = workers.get(job.getDevice());
                if (w != null && w.queue.remove(jobId)) {
                    finish(e, JobState.JOB_STATE_CANCELLED, null);
                    return get(jobId);
                }
                e.cancelRequested = true; // being picked up right now: the worker sees the flag
            }
            case JOB_STATE_RUNNING -> e.cancelRequested = true;
            default -> throw TrainerError.precondition("job " + jobId + " is already " + shortName(job.getState())
                    + "; only queued or running jobs can be cancelled");
        }
        awaitFinal(e, 10_000);
        return get(jobId);
    }

    /** Queues a FAILED or CANCELLED job again; it continues from its last checkpoint. */
    public Job resume(String jobId) {
        Entry e = entry(jobId);
        synchronized (e) {
            Job job = e.job.build();
            if (job.getState() != JobState.JOB_STATE_FAILED && job.getState() != JobState.JOB_STATE_CANCELLED) {
                throw TrainerError.precondition("job " + jobId + " is " + shortName(job.getState())
                        + "; only FAILED or CANCELLED jobs can be resumed");
            }
            Device device = devices.resolve(job.getSpec().getDevice());
            List<LossPoint> kept = job.getLossHistoryList().stream()
                    .filter(p -> p.getStep() <= job.getCheckpointStep()).toList();
            e.job.setState(JobState.JOB_STATE_QUEUED).setError("").setStep(job.getCheckpointStep())
                    .setDevice(DeviceResolver.key(device)).clearFinishedAt()
                    .clearLossHistory().addAllLossHistory(kept);
            e.cancelRequested = false;
        }
        store.save(e.snapshot());
        enqueue(e);
        LOG.infof("job %s resumed from checkpoint step %d", jobId, e.snapshot().getCheckpointStep());
        return get(jobId);
    }

    /**
     * Sends the job's current state at once, then its events until it reaches a final state.
     * Returns a handle that stops the watch.
     */
    public Runnable watch(String jobId, Watcher watcher) {
        Entry e = entry(jobId);
        synchronized (e) {
            Job job = get(jobId);
            watcher.onEvent(event(e, EventKind.EVENT_KIND_STATE).setQueuePosition(job.getQueuePosition()).build());
            if (isFinal(job.getState())) {
                watcher.onEnd();
                return () -> { };
            }
            e.watchers.add(watcher);
        }
        return () -> e.watchers.remove(watcher);
    }

    // ---- running ----------------------------------------------------------------------------

    private void enqueue(Entry e) {
        String device = e.snapshot().getDevice();
        workers.computeIfAbsent(device, d -> {
            Worker w = new Worker(d);
            w.start();
            return w;
        }).queue.add(e.snapshot().getJobId());
    }

    private final class Worker extends Thread {
        final LinkedBlockingDeque<String> queue = new LinkedBlockingDeque<>();

        Worker(String device) {
            super("trainer-" + device);
            setDaemon(true);
        }

        int position(String jobId) {
            int i = 1;
            for (String id : queue) {
                if (id.equals(jobId)) {
                    return i;
                }
                i++;
            }
            return 0;
        }

        @Override
        public void run() {
            while (!isInterrupted() && !shuttingDown) {
                String id;
                try {
                    // polled, not taken: a shutdown must not interrupt a worker that may be writing
                    id = queue.poll(200, TimeUnit.MILLISECONDS);
                } catch (InterruptedException ex) {
                    return;
                }
                Entry e = id == null || shuttingDown ? null : jobs.get(id);
                if (e != null) {
                    try {
                        train(e);
                    } catch (RuntimeException | Error err) {
                        // the worker outlives any one job; the job's record says what happened
                        LOG.errorf(err, "job %s: unexpected failure outside training", id);
                    }
                }
            }
        }
    }

    private void train(Entry e) {
        Job job = e.snapshot();
        if (e.cancelRequested) {
            finish(e, JobState.JOB_STATE_CANCELLED, null);
            return;
        }
        update(e, b -> b.setState(JobState.JOB_STATE_RUNNING).setStartedAt(Timestamps.fromMillis(System.currentTimeMillis())));
        broadcast(e, event(e, EventKind.EVENT_KIND_STATE).setMessage("training started"));
        LOG.infof("job %s running on %s from step %d", job.getJobId(), job.getDevice(), job.getCheckpointStep());
        try {
            Device device = devices.resolve(job.getDevice());
            long[] ids = corpusIds.apply(job);
            e.runStartNanos = System.nanoTime();
            e.runStartStep = job.getCheckpointStep();
            boolean[] cancelled = new boolean[1];
            TrainingLoop loop = new TrainingLoop(job.getSpec(), ids, job.getVocabSize(), device,
                    store.jobDir(job.getJobId()).resolve("checkpoint"), new LoopListener(e, cancelled));
            loop.run(() -> e.cancelRequested || shuttingDown);
            if (cancelled[0] && !e.cancelRequested) {
                int step = e.snapshot().getCheckpointStep();
                finish(e, JobState.JOB_STATE_FAILED, "the trainer was shut down while this job was running; "
                        + (step > 0 ? "it was checkpointed at step " + step + " and ResumeJob continues it from there"
                        : "it had not finished a step, and ResumeJob starts it from step 0"));
            } else if (cancelled[0]) {
                finish(e, JobState.JOB_STATE_CANCELLED, null);
            } else {
                if (exporter != null) {
                    exportQuietly(e);
                }
                finish(e, JobState.JOB_STATE_SUCCEEDED, null);
            }
        } catch (TrainerError err) {
            finish(e, JobState.JOB_STATE_FAILED, err.getMessage());
        } catch (IOException | UncheckedIOException err) {
            // a full disk or a data directory gone read-only: the sentence names the file and the cause
            String cause = err instanceof UncheckedIOException u ? u.getCause().getMessage() : err.getMessage();
            LOG.errorf("job %s stopped at step %d: %s", job.getJobId(), e.snapshot().getStep(), cause);
            finish(e, JobState.JOB_STATE_FAILED, "training stopped at step " + e.snapshot().getStep() + ": " + cause
                    + "; the checkpoint at step " + e.snapshot().getCheckpointStep()
                    + " is kept, and ResumeJob continues from it once the cause is fixed");
        } catch (Exception | Error err) {
            LOG.errorf(err, "job %s failed", job.getJobId());
            finish(e, JobState.JOB_STATE_FAILED, "training failed: " + err);
        }
    }

    private final class LoopListener implements TrainingLoop.Listener {
        private final Entry e;
        private final boolean[] cancelled;

        LoopListener(Entry e, boolean[] cancelled) {
            this.e = e;
            this.cancelled = cancelled;
        }

        @Override
        public void onStart(int step, long numParameters) {
            update(e, b -> b.setNumParameters(numParameters).setStep(step));
        }

        @Override
        public void onStep(int step, float batchLoss, float learningRate, double stepSeconds, int tokensPerStep) {
            e.emaStepSeconds = e.emaStepSeconds == 0 ? stepSeconds : 0.9 * e.emaStepSeconds + 0.1 * stepSeconds;
            float tps = (float) (tokensPerStep / e.emaStepSeconds);
            e.batchLoss = batchLoss;
            synchronized (e) {
                e.job.setStep(step).setLearningRate(learningRate).setTokensPerSecond(tps);
            }
            if (metrics != null) {
                metrics.step(stepSeconds, tps);
            }
            long now = System.nanoTime();
            if (now - e.lastStepEventNanos >= STEP_EVENT_NANOS || step == e.snapshot().getSpec().getMaxSteps()) {
                e.lastStepEventNanos = now;
                broadcast(e, event(e, EventKind.EVENT_KIND_STEP));
            }
        }

        @Override
        public void onEval(int step, float trainLoss, float valLoss) {
            update(e, b -> {
                List<LossPoint> history = new ArrayList<>(b.getLossHistoryList());
                history.removeIf(p -> p.getStep() == step);
                history.add(LossPoint.newBuilder().setStep(step).setTrainLoss(trainLoss).setValLoss(valLoss).build());
                b.setTrainLoss(trainLoss).setValLoss(valLoss).clearLossHistory().addAllLossHistory(history);
            });
            if (metrics != null) {
                metrics.eval(trainLoss, valLoss);
            }
            LOG.infof("job %s step %d: train loss %.4f, val loss %.4f", e.snapshot().getJobId(), step, trainLoss, valLoss);
            broadcast(e, event(e, EventKind.EVENT_KIND_EVAL));
        }

        @Override
        public void onCheckpoint(int step) {
            update(e, b -> b.setCheckpointStep(step));
            broadcast(e, event(e, EventKind.EVENT_KIND_CHECKPOINT).setMessage("checkpoint written at step " + step));
        }

        @Override
        public void onEnd(int step, LanguageModel model, boolean wasCancelled) {
            cancelled[0] = wasCancelled;
        }
    }

    /**
     * ExportModel: publishes the job's latest checkpoint (running jobs included) and records the
     * version on the job.
     */
    public Job export(String jobId) throws Exception {
        Entry e = entry(jobId);
        if (e.snapshot().getCheckpointStep() == 0) {
            throw TrainerError.precondition("job " + jobId + " has no checkpoint yet (checkpoint_interval "
                    + e.snapshot().getSpec().getCheckpointInterval() + " steps); export after the first one");
        }
        if (exporter == null) {
            throw TrainerError.precondition("this trainer has no model store configured");
        }
        logExportStart(e);
        int version = exporter.export(e.snapshot());
        recordExport(e, version);
        return get(jobId);
    }

    /** The export at the end of a job: a failure is reported on the job, not fatal to it. */
    private void exportQuietly(Entry e) {
        try {
            logExportStart(e);
            recordExport(e, exporter.export(e.snapshot()));
        } catch (Exception ex) {
            LOG.errorf(ex, "job %s: export failed", e.snapshot().getJobId());
            update(e, b -> b.setError("training succeeded but the export failed: " + ex.getMessage()));
        }
    }

    private static void logExportStart(Entry e) {
        LOG.infof("job %s: exporting checkpoint step %d to the model store", e.snapshot().getJobId(),
                e.snapshot().getCheckpointStep());
    }

    private void recordExport(Entry e, int version) {
        update(e, b -> b.setModelVersion(version));
        LOG.infof("job %s exported as %s version %d", e.snapshot().getJobId(), e.snapshot().getModelName(), version);
        broadcast(e, event(e, EventKind.EVENT_KIND_EXPORTED).setModelVersion(version)
                .setMessage("exported as " + e.snapshot().getModelName() + " version " + version));
    }

    private void finish(Entry e, JobState state, String error) {
        synchronized (e) {
            e.job.setState(state).setQueuePosition(0).setFinishedAt(Timestamps.fromMillis(System.currentTimeMillis()));
            if (error != null) {
                e.job.setError(error);
            }
            saveQuietly(e.job.build());
            TrainingEvent.Builder ev = event(e, EventKind.EVENT_KIND_STATE)
                    .setMessage(error != null ? error : "job " + shortName(state));
            for (Watcher w : e.watchers) {
                w.onEvent(ev.build());
                w.onEnd();
            }
            e.watchers.clear();
            e.notifyAll();
        }
        LOG.infof("job %s %s at step %d%s", e.snapshot().getJobId(), shortName(state), e.snapshot().getStep(),
                error != null ? ": " + error : "");
    }

    private void awaitFinal(Entry e, long millis) {
        long deadline = System.currentTimeMillis() + millis;
        synchronized (e) {
            while (!isFinal(e.job.getState()) && System.currentTimeMillis() < deadline) {
                try {
                    e.wait(Math.max(1, deadline - System.currentTimeMillis()));
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** The final state is known in memory even when the disk refuses it (full, read-only). */
    private void saveQuietly(Job job) {
        try {
            store.save(job);
        } catch (UncheckedIOException ex) {
            LOG.errorf("job %s: %s", job.getJobId(), ex.getCause().getMessage());
        }
    }

    private void update(Entry e, java.util.function.Consumer<Job.Builder> change) {
        synchronized (e) {
            change.accept(e.job);
            store.save(e.job.build());
        }
    }

    private void broadcast(Entry e, TrainingEvent.Builder event) {
        TrainingEvent ev = event.build();
        for (Watcher w : e.watchers) {
            w.onEvent(ev);
        }
    }

    private TrainingEvent.Builder event(Entry e, EventKind kind) {
        Job job = e.snapshot();
        TrainingEvent.Builder b = TrainingEvent.newBuilder().setJobId(job.getJobId()).setKind(kind)
                .setState(job.getState()).setStep(job.getStep()).setMaxSteps(job.getSpec().getMaxSteps())
                .setLearningRate(job.getLearningRate()).setTokensPerSecond(job.getTokensPerSecond())
                .setModelName(job.getModelName()).setModelVersion(job.getModelVersion())
                .setTime(Timestamps.fromMillis(System.currentTimeMillis()));
        if (job.hasTrainLoss()) {
            b.setTrainLoss(job.getTrainLoss());
        }
        if (job.hasValLoss()) {
            b.setValLoss(job.getValLoss());
        }
        if (!Float.isNaN(e.batchLoss)) {
            b.setBatchLoss(e.batchLoss);
        }
        if (job.getState() == JobState.JOB_STATE_RUNNING && e.runStartNanos > 0) {
            b.setElapsedSeconds((System.nanoTime() - e.runStartNanos) / 1e9);
            b.setEtaSeconds(e.emaStepSeconds * (job.getSpec().getMaxSteps() - job.getStep()));
        }
        return b;
    }

    private Entry entry(String jobId) {
        Entry e = jobId == null ? null : jobs.get(jobId);
        if (e == null) {
            throw TrainerError.notFound("job_id '" + jobId + "' is not a job of this trainer; ListJobs shows them");
        }
        return e;
    }

    static boolean isFinal(JobState s) {
        return s == JobState.JOB_STATE_SUCCEEDED || s == JobState.JOB_STATE_FAILED || s == JobState.JOB_STATE_CANCELLED;
    }

    static String shortName(JobState s) {
        return s.name().substring("JOB_STATE_".length());
    }

    private static byte[] longBytes(long v) {
        return java.nio.ByteBuffer.allocate(8).putLong(v).array();
    }

    /**
     * Graceful stop (SIGTERM): a running job stops after its current step (or current eval
     * batch), is checkpointed at that step and recorded FAILED with a sentence pointing at
     * ResumeJob; an export under way is finished. Waits at most {@code grace}; what is still
     * running then is left to the restart, which treats it as killed.
     */
    public void shutdown(Duration grace) {
        shuttingDown = true;
        long deadline = System.nanoTime() + grace.toNanos();
        for (Worker w : workers.values()) {
            try {
                w.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
            if (w.isAlive()) {
                LOG.warnf("shutdown: %s did not stop within %s; its job resumes from its last checkpoint", w.getName(), grace);
            }
        }
    }

    @Override
    public void close() {
        shuttingDown = true;
        workers.values().forEach(Thread::interrupt);
    }

    /** A job's record and what only exists while this process runs. */
    private static final class Entry {
        final Job.Builder job;
        final List<Watcher> watchers = new CopyOnWriteArrayList<>();
        volatile boolean cancelRequested;
        volatile long lastStepEventNanos;
        volatile double emaStepSeconds;
        volatile float batchLoss = Float.NaN;
        volatile long runStartNanos;
        volatile int runStartStep;

        Entry(Job.Builder job) {
            this.job = job;
        }

        synchronized Job snapshot() {
            return job.build();
        }
    }
}
