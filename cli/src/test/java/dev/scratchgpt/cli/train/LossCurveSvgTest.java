package dev.scratchgpt.cli.train;

import dev.scratchgpt.trainer.v1.LossPoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LossCurveSvgTest {

    static List<LossPoint> curve() {
        return List.of(point(0, 4.17f, 4.18f), point(100, 2.60f, 2.62f), point(200, 2.31f, 2.35f), point(300, 2.10f, 2.19f));
    }

    static LossPoint point(int step, float train, float val) {
        return LossPoint.newBuilder().setStep(step).setTrainLoss(train).setValLoss(val).build();
    }

    /** The polyline's points in pixel space. */
    static double[][] points(Document svg, String id) {
        for (int i = 0; i < svg.getElementsByTagName("polyline").getLength(); i++) {
            Element e = (Element) svg.getElementsByTagName("polyline").item(i);
            if (e.getAttribute("id").equals(id)) {
                String[] pairs = e.getAttribute("points").trim().split("\\s+");
                double[][] out = new double[pairs.length][];
                for (int j = 0; j < pairs.length; j++) {
                    String[] xy = pairs[j].split(",");
                    out[j] = new double[] {Double.parseDouble(xy[0]), Double.parseDouble(xy[1])};
                }
                return out;
            }
        }
        throw new AssertionError("no polyline " + id);
    }

    static Document parse(String svg) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void drawsOnePointPerEvaluationForTrainAndValWithFallingLossGoingDown() throws Exception {
        Document svg = parse(LossCurveSvg.render("demo v1", "gpt", curve()));
        assertEquals("svg", svg.getDocumentElement().getTagName());
        double[][] train = points(svg, "train");
        double[][] val = points(svg, "val");
        assertEquals(4, train.length);
        assertEquals(4, val.length);
        for (int i = 1; i < train.length; i++) {
            assertTrue(train[i][0] > train[i - 1][0], "steps go right");
            // SVG y grows downwards: a falling loss is a rising y.
            assertTrue(train[i][1] > train[i - 1][1], "falling loss is drawn lower");
        }
        assertTrue(val[3][1] < train[3][1], "val above train where val loss is higher");
        double width = Double.parseDouble(svg.getDocumentElement().getAttribute("width"));
        double height = Double.parseDouble(svg.getDocumentElement().getAttribute("height"));
        for (double[] p : train) {
            assertTrue(p[0] >= 0 && p[0] <= width && p[1] >= 0 && p[1] <= height, "inside the picture");
        }
    }

    @Test
    void escapesTheTitleAndWritesTheFileWhole(@TempDir Path dir) throws Exception {
        Path file = LossCurveSvg.write(dir.resolve("models/demo/1/loss.svg"), "a <b> & c", "d", curve());
        Document svg = parse(Files.readString(file));
        assertEquals(4, points(svg, "val").length);
        assertTrue(Files.readString(file).contains("a &lt;b&gt; &amp; c"));
        try (var files = Files.list(file.getParent())) {
            assertEquals(List.of(file), files.toList(), "no temporary file left behind");
        }
    }
}
