package dev.scratchgpt.cli.train;

import dev.scratchgpt.cli.CliException;
import dev.scratchgpt.trainer.v1.Corpus;
import dev.scratchgpt.trainer.v1.EventKind;
import dev.scratchgpt.trainer.v1.ExportModelRequest;
import dev.scratchgpt.trainer.v1.GetJobRequest;
import dev.scratchgpt.trainer.v1.Job;
import dev.scratchgpt.trainer.v1.JobState;
import dev.scratchgpt.trainer.v1.LossPoint;
import dev.scratchgpt.trainer.v1.StartTrainingRequest;
import dev.scratchgpt.trainer.v1.TrainerGrpc;
import dev.scratchgpt.trainer.v1.TrainingEvent;
import dev.scratchgpt.trainer.v1.TrainingSpec;
import dev.scratchgpt.trainer.v1.WatchTrainingRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * One training run as the CLI drives it: corpus (uploaded file or URL the trainer fetches)
 * -> StartTraining -> WatchTraining with a progress line -> the exported model version ->
 * the loss curve as an SVG beside the model.
 */
public final class TrainingRun {

    /** The Project Gutenberg eBook #18857 the course trains on (Journey to the Centre of the Earth). */
    public static final String DEFAULT_CORPUS_URL = "https://www.gutenberg.org/cache/epub/18857/pg18857.txt";

    public record Result(Job job, String modelName, int modelVersion, Path lossCurve) {
    }

    private final TrainerGrpc.TrainerBlockingStub trainer;
    private final TrainerGrpc.TrainerStub trainerAsync;
    private final Path dataDir;
    private final PrintWriter out;
    private final boolean terminal;

    public TrainingRun(ManagedChannel trainerChannel, Path dataDir, PrintWriter out, boolean terminal) {
        this.trainer = TrainerGrpc.newBlockingStub(trainerChannel);
        this.trainerAsync = TrainerGrpc.newStub(trainerChannel);
        this.dataDir = dataDir;
        this.out = out;
        this.terminal = terminal;
    }

    /** {@code corpus} is a local file or an http(s) URL. */
    public Result run(String corpus, String modelName, TrainingSpec spec) {
        StartTrainingRequest.Builder request = StartTrainingRequest.newBuilder().setModelName(modelName).setSpec(spec);
        boolean url = corpus.startsWith("http://") || corpus.startsWith("https://");
        if (url) {
            out.println("Corpus: " + corpus + " (the trainer downloads it)");
            request.setCorpusUrl(corpus);
        } else {
            Corpus uploaded = CorpusUpload.upload(trainerAsync, Path.of(corpus));
            out.printf(Locale.ROOT, "Corpus: %s uploaded, %,d bytes, %,d characters (id %s)%n",
                    corpus, uploaded.getSizeBytes(), uploaded.getSizeChars(), shortId(uploaded.getCorpusId()));
            request.setCorpusId(uploaded.getCorpusId());
        }
        out.flush();
        Job job;
        try {
            job = trainer.startTraining(request.build()).getJob();
        } catch (StatusRuntimeException e) {
            throw withCorpusHint(e, url);
        }
        String jobId = job.getJobId();
        out.println("Job " + jobId + ": " + describe(job));
        out.flush();

        List<LossPoint> seen = new ArrayList<>();
        job = watch(jobId, seen);
        if (job.getState() != JobState.JOB_STATE_SUCCEEDED) {
            String why = job.getError().isBlank() ? "" : ": " + job.getError();
            String hint = url ? " (the default corpus is downloaded from the web: without a network, pass --corpus FILE)" : "";
            throw new CliException("Training job " + jobId + " ended " + stateName(job.getState()) + why + hint);
        }
        job = awaitExport(job);
        List<LossPoint> curve = job.getLossHistoryCount() > 0 ? job.getLossHistoryList() : seen;
        Path svg = lossCurvePath(job.getModelName(), job.getModelVersion());
        try {
            LossCurveSvg.write(svg, job.getModelName() + " v" + job.getModelVersion() + ": train and val loss", describe(job), curve);
        } catch (IOException e) {
            throw new CliException("Could not write the loss curve to " + svg + ": " + e.getMessage(), e);
        }
        out.printf(Locale.ROOT, "Trained %s v%d: %d steps, train loss %s, val loss %s%n", job.getModelName(), job.getModelVersion(),
                job.getStep(), job.hasTrainLoss() ? String.format(Locale.ROOT, "%.4f", job.getTrainLoss()) : "-",
                job.hasValLoss() ? String.format(Locale.ROOT, "%.4f", job.getValLoss()) : "-");
        out.println("Loss curve: " + svg);
        out.flush();
        return new Result(job, job.getModelName(), job.getModelVersion(), svg);
    }

    /** Follows the job until it is final, re-joining if the stream breaks while it still runs. */
    private Job watch(String jobId, List<LossPoint> seen) {
        ProgressLine progress = new ProgressLine();
        JobState lastState = JobState.JOB_STATE_UNSPECIFIED;
        int lastLength = 0;
        while (true) {
            Iterator<TrainingEvent> events = trainer.watchTraining(WatchTrainingRequest.newBuilder().setJobId(jobId).build());
            while (events.hasNext()) {
                TrainingEvent e = events.next();
                if (e.getKind() == EventKind.EVENT_KIND_EVAL && e.hasTrainLoss() && e.hasValLoss()) {
                    seen.add(LossPoint.newBuilder().setStep(e.getStep()).setTrainLoss(e.getTrainLoss()).setValLoss(e.getValLoss()).build());
                }
                String line = progress.render(e);
                boolean stateChanged = e.getState() != lastState;
                lastState = e.getState();
                if (terminal) {
                    if (stateChanged || e.getKind() == EventKind.EVENT_KIND_EXPORTED) {
                        clear(lastLength);
                        out.println(event(e));
                    }
                    out.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
                    lastLength = line.length();
                } else if (stateChanged || e.getKind() == EventKind.EVENT_KIND_EVAL || e.getKind() == EventKind.EVENT_KIND_EXPORTED) {
                    out.println(stateChanged || e.getKind() == EventKind.EVENT_KIND_EXPORTED ? event(e) : line);
                }
                out.flush();
            }
            if (terminal) {
                out.println();
                lastLength = 0;
            }
            Job job = trainer.getJob(GetJobRequest.newBuilder().setJobId(jobId).build());
            if (isFinal(job.getState())) {
                return job;
            }
        }
    }

    private void clear(int length) {
        if (length > 0) {
            out.print("\r" + " ".repeat(length) + "\r");
        }
    }

    private static String event(TrainingEvent e) {
        StringBuilder sb = new StringBuilder("[" + stateName(e.getState()));
        if (e.getKind() == EventKind.EVENT_KIND_EXPORTED) {
            sb.append(", exported ").append(e.getModelName()).append(" v").append(e.getModelVersion());
        }
        if (e.getQueuePosition() > 0) {
            sb.append(", queue position ").append(e.getQueuePosition());
        }
        if (!e.getMessage().isBlank()) {
            sb.append(": ").append(e.getMessage());
        }
        return sb.append("]").toString();
    }

    /** The trainer exports at the end of a job; give it a moment, and ask for an export if none came. */
    private Job awaitExport(Job job) {
        GetJobRequest get = GetJobRequest.newBuilder().setJobId(job.getJobId()).build();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (job.getModelVersion() == 0 && System.nanoTime() < deadline) {
            sleep(250);
            job = trainer.getJob(get);
        }
        if (job.getModelVersion() == 0) {
            trainer.exportModel(ExportModelRequest.newBuilder().setJobId(job.getJobId()).build());
            job = trainer.getJob(get);
        }
        return job;
    }

    /** {@code <data>/models/<name>/<version>/loss.svg} when that folder is here, else the working directory. */
    Path lossCurvePath(String model, int version) {
        Path versionDir = dataDir.resolve("models").resolve(model).resolve(Integer.toString(version));
        if (Files.isDirectory(versionDir)) {
            return versionDir.resolve("loss.svg");
        }
        return Path.of("loss-" + model + "-v" + version + ".svg").toAbsolutePath();
    }

    static String describe(Job job) {
        TrainingSpec s = job.getSpec();
        String model = switch (s.getModelType()) {
            case MODEL_TYPE_BIGRAM -> "bigram";
            case MODEL_TYPE_GPT -> String.format(Locale.ROOT, "gpt %d layers, %d heads, n_embd %d", s.getNLayer(), s.getNHead(), s.getNEmbd());
            default -> s.getModelType().name();
        };
        StringBuilder sb = new StringBuilder(model);
        sb.append(String.format(Locale.ROOT, ", block %d, batch %d, %d steps", s.getBlockSize(), s.getBatchSize(), s.getMaxSteps()));
        if (job.getNumParameters() > 0) {
            sb.append(String.format(Locale.ROOT, ", %,d parameters", job.getNumParameters()));
        }
        if (job.getVocabSize() > 0) {
            sb.append(", vocab ").append(job.getVocabSize());
        }
        if (!job.getDevice().isBlank()) {
            sb.append(", on ").append(job.getDevice());
        }
        return sb.toString();
    }

    private static RuntimeException withCorpusHint(StatusRuntimeException e, boolean url) {
        if (!url) {
            return e;
        }
        String d = e.getStatus().getDescription();
        return new CliException("The trainer refused the job: " + e.getStatus().getCode() + ": " + d
                + ". The default corpus is downloaded from the web; without a network, pass --corpus FILE.", e);
    }

    static boolean isFinal(JobState s) {
        return s == JobState.JOB_STATE_SUCCEEDED || s == JobState.JOB_STATE_FAILED || s == JobState.JOB_STATE_CANCELLED;
    }

    static String stateName(JobState s) {
        return s.name().replace("JOB_STATE_", "");
    }

    private static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("Interrupted");
        }
    }
}
