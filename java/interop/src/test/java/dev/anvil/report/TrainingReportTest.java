package dev.anvil.report;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.LeakChecked;
import dev.anvil.Tensor;
import dev.anvil.data.DataLoader;
import dev.anvil.data.Dataset;
import dev.anvil.nn.Linear;
import dev.anvil.nn.ReLU;
import dev.anvil.nn.Sequential;
import dev.anvil.optim.SGD;
import dev.anvil.train.EpochResult;
import dev.anvil.train.Evaluation;
import dev.anvil.train.StepProgress;
import dev.anvil.train.Trainer;
import java.io.ByteArrayInputStream;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class TrainingReportTest extends LeakChecked {
    @TempDir
    Path dir;

    private static Document parse(String html) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(html.getBytes(StandardCharsets.UTF_8)));
    }

    /** The points of the polyline in the SVG with {@code id}, as {x, y} pairs. */
    private static double[][] points(Document doc, String id) {
        NodeList svgs = doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", "svg");
        for (int i = 0; i < svgs.getLength(); i++) {
            Element svg = (Element) svgs.item(i);
            if (!svg.getAttribute("id").equals(id)) continue;
            NodeList lines = svg.getElementsByTagNameNS("http://www.w3.org/2000/svg", "polyline");
            if (lines.getLength() == 0) return new double[0][];
            String[] pts = ((Element) lines.item(0)).getAttribute("points").trim().split(" ");
            double[][] out = new double[pts.length][];
            for (int j = 0; j < pts.length; j++) {
                String[] xy = pts[j].split(",");
                out[j] = new double[] {Double.parseDouble(xy[0]), Double.parseDouble(xy[1])};
            }
            return out;
        }
        throw new AssertionError("no plot " + id);
    }

    @Test
    void plotsPutEachValueWhereTheAxesSay() throws Exception {
        TrainingReport r = new TrainingReport("t <&> \"q\"", () -> 0.5);
        double[] losses = {3, 2, 1};
        for (int e = 1; e <= 3; e++) {
            for (int s = 1; s <= 4; s++) r.onStep(new StepProgress(e, 3, s, 4, (float) (losses[e - 1] + s), 0, 100 * s, 0));
            r.onEpochEnd(new EpochResult(e, losses[e - 1], Double.NaN, 1000 + e, 2, new Evaluation(0.5 + 0.1 * e, 9 - e, 10, 0.1)));
        }
        Document doc = parse(r.html());
        assertEquals("t <&> \"q\"", doc.getElementsByTagName("title").item(0).getTextContent());
        // x from [1, 3] to [60, 405]; y from [1, 3] to [205, 25].
        assertArrayEquals(new double[][] {{60, 25}, {232.5, 115}, {405, 205}}, points(doc, "epoch-train-loss"));
        double[][] acc = points(doc, "epoch-test-accuracy");
        assertEquals(205, acc[0][1], 1e-9, "lowest accuracy at the bottom");
        assertEquals(25, acc[2][1], 1e-9, "highest at the top");
        double[][] lr = points(doc, "epoch-lr");
        assertEquals(115, lr[1][1], 1e-9, "a constant series sits in the middle");
        double[][] steps = points(doc, "step-loss");
        assertEquals(12, steps.length);
        assertEquals(60, steps[0][0], 1e-9, "steps are numbered across epochs: 1 to 12");
        assertEquals(405, steps[11][0], 1e-9);

        Path page = r.write(dir.resolve("report"));
        assertArrayEquals(points(doc, "step-loss"), points(parse(Files.readString(page)), "step-loss"));
        List<String> epochs = Files.readAllLines(dir.resolve("report/epochs.csv"));
        assertEquals("epoch,train_loss,train_accuracy,test_accuracy,test_loss,images_per_s,lr,seconds", epochs.get(0));
        assertEquals("2,2,,0.7,7,1002,0.5,2", epochs.get(2));
        List<String> stepRows = Files.readAllLines(dir.resolve("report/steps.csv"));
        assertEquals(13, stepRows.size());
        assertEquals("12,5,400,0.5", stepRows.get(12));
    }

    @Test
    void longRunsAreThinnedForThePlotOnly() throws Exception {
        TrainingReport r = new TrainingReport("long", null);
        for (int s = 1; s <= 5000; s++) r.onStep(new StepProgress(1, 1, s, 5000, s, 0, 1, 0));
        r.onEpochEnd(new EpochResult(1, 1, Double.NaN, 1, 1, null));
        Document doc = parse(r.html());
        assertEquals(TrainingReport.MAX_PLOT_POINTS, points(doc, "step-loss").length);
        assertEquals(0, points(doc, "epoch-test-accuracy").length, "no test set: no line");
        assertTrue(r.html().contains("no data"));
        assertEquals(2, doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", "circle").getLength(),
                "one epoch: a dot for train loss and one for images/s (no test set, no learning rate)");
        r.write(dir);
        assertEquals(5001, Files.readAllLines(dir.resolve("steps.csv")).size());
    }

    @Test
    void recordsARealTrainingRun() throws Exception {
        TwoBlobs data = new TwoBlobs();
        try (Sequential model = new Sequential(new Linear(2, 8), new ReLU(), new Linear(8, 2));
                SGD sgd = SGD.builder().lr(0.1).build(model.parameters());
                DataLoader train = DataLoader.builder(data).batchSize(8).shuffle(true).seed(1).build();
                DataLoader test = DataLoader.builder(data).batchSize(32).build()) {
            model.resetParameters(2);
            TrainingReport report = new TrainingReport("blobs", sgd::learningRate);
            List<EpochResult> history;
            try (Trainer t = Trainer.builder(model, sgd).listener(report).build()) {
                history = t.fit(train, test, 3);
            }
            report.write(dir);
            List<String> epochs = Files.readAllLines(dir.resolve("epochs.csv"));
            assertEquals(4, epochs.size());
            for (int e = 0; e < 3; e++) {
                String[] f = epochs.get(e + 1).split(",");
                assertEquals(history.get(e).trainLoss(), Double.parseDouble(f[1]), 1e-12);
                assertEquals(history.get(e).trainAccuracy(), Double.parseDouble(f[2]), 1e-12);
                assertEquals(history.get(e).test().accuracy(), Double.parseDouble(f[3]), 1e-12);
                assertEquals(0.1, Double.parseDouble(f[6]), 1e-6);
            }
            assertEquals(1 + 3 * 4, Files.readAllLines(dir.resolve("steps.csv")).size(), "32 samples in batches of 8, 3 epochs");
            assertEquals(3, points(parse(Files.readString(dir.resolve("report.html"))), "epoch-train-loss").length);
        }
    }

    /** 32 points in two separable blobs. */
    private static final class TwoBlobs implements Dataset {
        @Override
        public int size() {
            return 32;
        }

        @Override
        public long[] sampleShape() {
            return new long[] {2};
        }

        @Override
        public int numClasses() {
            return 2;
        }

        @Override
        public void read(int index, FloatBuffer dst) {
            float c = label(index) == 0 ? -1 : 1;
            dst.put(c + (index % 5) * 0.1f).put(c - (index % 3) * 0.1f);
        }

        @Override
        public int label(int index) {
            return index % 2;
        }
    }
}
