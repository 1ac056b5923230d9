package dev.scratchgpt.cli.train;

import dev.scratchgpt.trainer.v1.LossPoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;

/**
 * The loss curve as a small self-contained SVG: train and val loss against the step, one
 * polyline each with a point per evaluation, axes with ticks, a legend. No library: the
 * picture is a few dozen elements.
 */
public final class LossCurveSvg {

    private static final int WIDTH = 640;
    private static final int HEIGHT = 400;
    private static final int LEFT = 60;
    private static final int RIGHT = 20;
    private static final int TOP = 50;
    private static final int BOTTOM = 50;
    private static final String TRAIN_COLOUR = "#1f77b4";
    private static final String VAL_COLOUR = "#ff7f0e";

    private LossCurveSvg() {
    }

    public static String render(String title, String subtitle, List<LossPoint> points) {
        int maxStep = Math.max(1, points.stream().mapToInt(LossPoint::getStep).max().orElse(1));
        double lo = Double.MAX_VALUE;
        double hi = -Double.MAX_VALUE;
        for (LossPoint p : points) {
            lo = Math.min(lo, Math.min(p.getTrainLoss(), p.getValLoss()));
            hi = Math.max(hi, Math.max(p.getTrainLoss(), p.getValLoss()));
        }
        if (points.isEmpty()) {
            lo = 0;
            hi = 1;
        }
        double pad = Math.max((hi - lo) * 0.05, 0.05);
        double yMin = Math.max(0, lo - pad);
        double yMax = hi + pad;
        Scale x = new Scale(0, maxStep, LEFT, WIDTH - RIGHT);
        Scale y = new Scale(yMin, yMax, HEIGHT - BOTTOM, TOP);

        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n",
                WIDTH, HEIGHT, WIDTH, HEIGHT));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, HEIGHT));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"15\">%s</text>%n", LEFT, escape(title)));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"33\" font-size=\"10\" fill=\"#555\">%s</text>%n", LEFT, escape(subtitle)));

        // Axes, ticks and grid.
        svg.append(String.format(Locale.ROOT,
                "<g stroke=\"#333\"><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/></g>%n",
                LEFT, HEIGHT - BOTTOM, WIDTH - RIGHT, HEIGHT - BOTTOM, LEFT, TOP, LEFT, HEIGHT - BOTTOM));
        for (int i = 0; i <= 5; i++) {
            double v = yMin + (yMax - yMin) * i / 5;
            double py = y.map(v);
            svg.append(String.format(Locale.ROOT,
                    "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>%n",
                    LEFT, py, WIDTH - RIGHT, py, LEFT - 6, py + 4, v));
            long step = Math.round((double) maxStep * i / 5);
            double px = x.map(step);
            svg.append(String.format(Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>%n", px, HEIGHT - BOTTOM + 18, step));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">step</text>%n",
                (LEFT + WIDTH - RIGHT) / 2, HEIGHT - 10));
        svg.append(String.format(Locale.ROOT,
                "<text x=\"16\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 16 %d)\">loss (nats/token)</text>%n",
                (TOP + HEIGHT - BOTTOM) / 2, (TOP + HEIGHT - BOTTOM) / 2));

        svg.append(polyline("train", TRAIN_COLOUR, points, x, y, true));
        svg.append(polyline("val", VAL_COLOUR, points, x, y, false));

        // Legend, top right.
        int lx = WIDTH - RIGHT - 110;
        svg.append(String.format(Locale.ROOT,
                "<g><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/><text x=\"%d\" y=\"%d\">train loss</text>"
                        + "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/><text x=\"%d\" y=\"%d\">val loss</text></g>%n",
                lx, TOP + 6, lx + 20, TOP + 6, TRAIN_COLOUR, lx + 26, TOP + 10,
                lx, TOP + 24, lx + 20, TOP + 24, VAL_COLOUR, lx + 26, TOP + 28));
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static String polyline(String id, String colour, List<LossPoint> points, Scale x, Scale y, boolean train) {
        StringBuilder coords = new StringBuilder();
        for (LossPoint p : points) {
            if (coords.length() > 0) {
                coords.append(' ');
            }
            coords.append(String.format(Locale.ROOT, "%.1f,%.1f", x.map(p.getStep()), y.map(train ? p.getTrainLoss() : p.getValLoss())));
        }
        return String.format(Locale.ROOT,
                "<polyline id=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>%n", id, colour, coords);
    }

    /** Writes the picture atomically (temp file + rename): a reader never sees half an SVG. */
    public static Path write(Path file, String title, String subtitle, List<LossPoint> points) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), ".loss", ".svg.tmp");
        try {
            Files.writeString(tmp, render(title, subtitle, points));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return file;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** Linear map from data range [d0, d1] to pixel range [p0, p1]. */
    private record Scale(double d0, double d1, double p0, double p1) {
        double map(double v) {
            return p0 + (v - d0) / (d1 - d0) * (p1 - p0);
        }
    }
}
