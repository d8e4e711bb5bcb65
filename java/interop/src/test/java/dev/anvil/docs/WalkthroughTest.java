package dev.anvil.docs;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.LeakChecked;
import dev.anvil.Tensor;
import dev.anvil.data.DataLoader;
import dev.anvil.infer.Predictor;
import dev.anvil.io.SafeTensors;
import dev.anvil.nn.Conv2d;
import dev.anvil.nn.Flatten;
import dev.anvil.nn.Init;
import dev.anvil.nn.Linear;
import dev.anvil.nn.MaxPool2d;
import dev.anvil.nn.ReLU;
import dev.anvil.nn.Sequential;
import dev.anvil.onnx.OnnxExport;
import dev.anvil.optim.SGD;
import dev.anvil.report.TrainingReport;
import dev.anvil.train.EpochResult;
import dev.anvil.train.Evaluation;
import dev.anvil.train.Trainer;
import dev.anvil.vision.ImageFolder;
import dev.anvil.vision.Transform;
import dev.anvil.vision.Transforms;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "bring your own images" walkthrough of docs/interop.md, on a generated folder of 16x16 PNGs
 * in three classes (dark, horizontal stripes, vertical stripes); the doc must hold the code
 * between the markers as written here.
 */
class WalkthroughTest extends LeakChecked {
    @TempDir
    Path root;

    /** {@code n} noisy 16x16 grey images per class under {@code dir/CLASS/}. */
    static void generate(Path dir, int n, long seed) throws Exception {
        SplittableRandom rng = new SplittableRandom(seed);
        String[] classes = {"dark", "horizontal", "vertical"};
        for (int c = 0; c < 3; c++) {
            Files.createDirectories(dir.resolve(classes[c]));
            for (int i = 0; i < n; i++) {
                BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
                int phase = rng.nextInt(4);
                for (int y = 0; y < 16; y++) {
                    for (int x = 0; x < 16; x++) {
                        boolean on = c == 1 ? (y + phase) % 4 < 2 : c == 2 && (x + phase) % 4 < 2;
                        img.getRaster().setSample(x, y, 0, Math.min(255, (on ? 200 : 30) + rng.nextInt(40)));
                    }
                }
                ImageIO.write(img, "png", dir.resolve(classes[c]).resolve(i + ".png").toFile());
            }
        }
    }

    @Test
    void walkthroughTrainsOnAFolderAndExports() throws Exception {
        generate(root.resolve("train"), 40, 1);
        generate(root.resolve("test"), 10, 2);
        Path out = root.resolve("out");
        Init.manualSeed(42);
        List<EpochResult> history;
        Evaluation eval;
        List<Predictor.Prediction> top;
        // --- example starts
        ImageFolder plain = ImageFolder.builder(root.resolve("train")).channels(1).build();
        float[][] meanStd = plain.meanStd();                  // per-channel mean and std of the training images
        Transform normalize = Transforms.normalize(meanStd[0], meanStd[1]);
        Transform augment = Transforms.compose(Transforms.randomCrop(16, 16, 2), Transforms.randomHorizontalFlip(0.5), normalize);
        ImageFolder train = ImageFolder.builder(root.resolve("train")).channels(1).transform(augment).seed(42).build();
        ImageFolder test = ImageFolder.builder(root.resolve("test")).channels(1).transform(normalize).build();

        try (Sequential model = new Sequential(Conv2d.builder(1, 8, 3).padding(1).build(), new ReLU(), new MaxPool2d(2),
                     new Flatten(), new Linear(8 * 8 * 8, train.numClasses()));
             SGD sgd = SGD.builder().lr(0.05).momentum(0.9).build(model.parameters());
             DataLoader trainLoader = DataLoader.builder(train).batchSize(16).shuffle(true).seed(42).workers(2).build();
             DataLoader testLoader = DataLoader.builder(test).batchSize(64).build()) {
            TrainingReport report = new TrainingReport("stripes", sgd::learningRate);
            try (Trainer trainer = Trainer.builder(model, sgd).listener(report).build()) {
                history = trainer.fit(trainLoader, testLoader, 5);
            }
            report.write(out.resolve("report"));                                  // report.html, epochs.csv, steps.csv

            SafeTensors.save(out.resolve("stripes.safetensors"), model, Map.of("classes", String.join(",", train.classes())));
            OnnxExport.export(model, out.resolve("stripes.onnx"), 1, 16, 16);

            try (Predictor predictor = Predictor.builder(model).classNames(train.classes()).channels(1).transform(normalize).build()) {
                eval = predictor.evaluate(testLoader);                             // no optimizer needed
                top = predictor.predict(test.file(0), 3);                         // [dark (0): 0.99..., ...]
            }
        }
        // --- example ends
        assertTrue(history.get(4).test().accuracy() >= 0.9, "learns the stripes: " + history);
        assertEquals(history.get(4).test().accuracy(), eval.accuracy(), 1e-9, "the predictor evaluates as the trainer does");
        assertEquals(List.of("dark", "horizontal", "vertical"), train.classes());
        assertEquals("dark", top.get(0).label());
        assertTrue(Files.size(out.resolve("stripes.onnx")) > 8 * 9 * 4);
        assertTrue(Files.isRegularFile(out.resolve("report/report.html")));

        String doc = Files.readString(docs().resolve("interop.md"));
        String src = Files.readString(Path.of("src/test/java/dev/anvil/docs/WalkthroughTest.java"));
        String example = src.substring(src.indexOf("// --- example starts") + 22, src.indexOf("        // --- example ends"));
        for (String line : example.lines().map(String::strip).filter(l -> !l.isEmpty()).toList()) {
            assertTrue(doc.contains(line), "docs/interop.md lacks the walkthrough line: " + line);
        }
    }

    /** The docs folder of the checkout (tests run in the module folder). */
    static Path docs() {
        return Path.of("").toAbsolutePath().getParent().getParent().resolve("docs");
    }
}
