package dev.scratchgpt.cli.train;

import dev.scratchgpt.trainer.v1.TrainingEvent;

import java.util.Locale;

/**
 * Renders training events as one progress line: step/max with a bar, train/val loss,
 * tokens/s and ETA. On a terminal the line is redrawn in place; elsewhere (a log, a test)
 * a line is printed only for evaluations and state changes, so logs stay readable.
 */
public final class ProgressLine {

    private static final int BAR = 24;

    private Float trainLoss;
    private Float valLoss;

    /** Remembers the latest loss estimates; they are carried on later step events too. */
    public String render(TrainingEvent e) {
        if (e.hasTrainLoss()) {
            trainLoss = e.getTrainLoss();
        }
        if (e.hasValLoss()) {
            valLoss = e.getValLoss();
        }
        int max = Math.max(e.getMaxSteps(), 1);
        int step = Math.min(e.getStep(), max);
        int filled = (int) Math.round((double) BAR * step / max);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "step %d/%d [%s%s] %3d%%", e.getStep(), e.getMaxSteps(),
                "#".repeat(filled), "-".repeat(BAR - filled), 100 * step / max));
        sb.append(" | train ").append(loss(trainLoss)).append(" val ").append(loss(valLoss));
        if (e.hasBatchLoss()) {
            sb.append(String.format(Locale.ROOT, " batch %.3f", e.getBatchLoss()));
        }
        sb.append(" | ").append(tokensPerSecond(e.getTokensPerSecond()));
        sb.append(" | ETA ").append(duration(e.getEtaSeconds()));
        return sb.toString();
    }

    private static String loss(Float value) {
        return value == null ? "  -  " : String.format(Locale.ROOT, "%.3f", value);
    }

    static String tokensPerSecond(float tps) {
        if (tps >= 10_000) {
            return String.format(Locale.ROOT, "%.1fk tok/s", tps / 1000);
        }
        return String.format(Locale.ROOT, "%.0f tok/s", tps);
    }

    /** 0:42, 12:05, 1:02:03. */
    public static String duration(double seconds) {
        if (!(seconds >= 0) || Double.isInfinite(seconds)) {
            return "-";
        }
        long s = Math.round(seconds);
        if (s >= 3600) {
            return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
        }
        return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
