package dev.anvil.infer;

import static org.junit.jupiter.api.Assertions.*;

import dev.anvil.LeakChecked;
import dev.anvil.Tensor;
import dev.anvil.data.DataLoader;
import dev.anvil.data.Dataset;
import dev.anvil.io.Fixtures;
import dev.anvil.io.SafeTensors;
import dev.anvil.nn.Models;
import dev.anvil.nn.Sequential;
import dev.anvil.train.Evaluation;
import dev.anvil.vision.Transforms;
import java.awt.image.BufferedImage;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PyTorch fmnist-cnn fixture through the Predictor; expected values are PyTorch 1.13's
 * {@code softmax(logits)}, {@code topk} and {@code cross_entropy} on the fixture's logits and labels.
 */
class PredictorTest extends LeakChecked {
    static final List<String> FASHION = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
            "Bag", "Ankle boot");

    @TempDir
    Path dir;

    private static Sequential cnn() throws Exception {
        Path weights = Fixtures.file("fmnist_cnn.safetensors"); // skips the test without the fixture, before a model exists to leak
        Sequential m = Models.fashionMnistCnn();
        SafeTensors.load(weights, m, true);
        m.train(true); // the predictor must switch to evaluation mode itself (dropout off)
        return m;
    }

    @Test
    void topKWithClassNamesMatchesPyTorch() throws Exception {
        try (Sequential m = cnn();
                Predictor p = Predictor.builder(m).classNames(FASHION).build();
                SafeTensors.Contents in = SafeTensors.read(Fixtures.file("inputs.safetensors"))) {
            List<List<Predictor.Prediction>> top = p.topK(in.get("x"), 3);
            assertEquals(16, top.size());
            assertEquals(List.of(9, 7, 5), top.get(0).stream().map(Predictor.Prediction::index).toList());
            assertEquals("Ankle boot", top.get(0).get(0).label());
            assertEquals(0.749845f, top.get(0).get(0).probability(), 1e-4f);
            assertEquals(0.196642f, top.get(0).get(1).probability(), 1e-4f);
            assertEquals(0.0499649f, top.get(0).get(2).probability(), 1e-4f);
            assertEquals(0.999979f, top.get(2).get(0).probability(), 1e-4f);
            int[] argmax = {9, 2, 1, 1, 6, 1, 6, 6, 5, 7, 2, 5, 5, 3, 4, 1};
            for (int i = 0; i < 16; i++) assertEquals(argmax[i], top.get(i).get(0).index(), "sample " + i);
            float[][] probs = p.probabilities(in.get("x"));
            for (float[] row : probs) {
                double sum = 0;
                for (float v : row) sum += v;
                assertEquals(1, sum, 1e-5);
            }
            assertEquals(10, p.topK(in.get("x"), 50).get(0).size(), "k above the class count gives every class");
        }
    }

    @Test
    void evaluationNeedsNoOptimizer() throws Exception {
        try (Sequential m = cnn();
                Predictor p = Predictor.builder(m).build();
                SafeTensors.Contents in = SafeTensors.read(Fixtures.file("inputs.safetensors"));
                DataLoader loader = DataLoader.builder(new TensorDataset(in.get("x").toFloatArray(), in.get("labels").toLongArray()))
                        .batchSize(5).build()) {
            Evaluation e = p.evaluate(loader);
            assertEquals(16, e.samples());
            assertEquals(0.8125, e.accuracy(), 1e-9);
            assertEquals(0.3815896, e.loss(), 1e-4);
        }
    }

    @Test
    void imageFilesGiveTheSameAnswerAsTheTensor() throws Exception {
        try (Sequential m = cnn();
                Predictor p = Predictor.builder(m).classNames(FASHION).channels(1).transform(Transforms.resize(28, 28)).build();
                SafeTensors.Contents in = SafeTensors.read(Fixtures.file("inputs.safetensors"))) {
            float[] x = in.get("x").toFloatArray();
            List<Path> files = new ArrayList<>();
            for (int s = 0; s < 3; s++) {
                // The fixture's pixels are bytes / 255, so a grey PNG holds them exactly.
                BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
                for (int y = 0; y < 28; y++) for (int c = 0; c < 28; c++) img.getRaster().setSample(c, y, 0, Math.round(x[s * 784 + y * 28 + c] * 255));
                Path f = dir.resolve("sample" + s + ".png");
                ImageIO.write(img, "png", f.toFile());
                files.add(f);
            }
            List<List<Predictor.Prediction>> fromTensor = p.topK(in.get("x"), 5);
            List<List<Predictor.Prediction>> fromFiles = p.predict(files, 5);
            for (int s = 0; s < 3; s++) {
                for (int j = 0; j < 5; j++) {
                    assertEquals(fromTensor.get(s).get(j).index(), fromFiles.get(s).get(j).index());
                    assertEquals(fromTensor.get(s).get(j).probability(), fromFiles.get(s).get(j).probability(), 1e-6f);
                }
            }
            assertEquals("Ankle boot", p.predict(files.get(0), 1).get(0).label());
            // A larger image is resized to the model's input by the predictor's transform.
            BufferedImage big = new BufferedImage(56, 56, BufferedImage.TYPE_BYTE_GRAY);
            Path bigFile = dir.resolve("big.png");
            ImageIO.write(big, "png", bigFile.toFile());
            assertEquals(5, p.predict(bigFile, 5).size());
        }
    }

    @Test
    void concurrentCallersGetTheirOwnAnswers() throws Exception {
        concurrentCallers(1);
    }

    @Test
    void replicasServeCallersInParallel() throws Exception {
        concurrentCallers(3);
        try (Sequential m = cnn(); Predictor p = Predictor.builder(m).replicas(2).build(); Tensor x = Tensor.zeros(1, 1, 28, 28)) {
            assertEquals(10, p.topK(x, 10).get(0).size());
            assertThrows(IllegalArgumentException.class, () -> Predictor.builder(m).replicas(0));
        }
    }

    private void concurrentCallers(int replicas) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (Sequential m = cnn(); Predictor p = Predictor.builder(m).replicas(replicas).build();
                SafeTensors.Contents in = SafeTensors.read(Fixtures.file("inputs.safetensors"))) {
            float[] x = in.get("x").toFloatArray();
            float[][] expected = p.probabilities(in.get("x"));
            List<Future<float[]>> futures = new ArrayList<>();
            for (int r = 0; r < 64; r++) {
                int s = r % 16;
                futures.add(pool.submit(() -> {
                    try (Tensor one = Tensor.of(java.util.Arrays.copyOfRange(x, s * 784, (s + 1) * 784), 1, 1, 28, 28)) {
                        return p.probabilities(one)[0];
                    }
                }));
            }
            for (int r = 0; r < 64; r++) assertArrayEquals(expected[r % 16], futures.get(r).get(), 1e-5f, "request " + r);
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void badArgumentsAndMisuseAreReported() throws Exception {
        try (Sequential m = cnn(); Tensor x = Tensor.zeros(2, 1, 28, 28)) {
            Predictor wrongNames = Predictor.builder(m).classNames(List.of("a", "b")).build();
            IllegalStateException names = assertThrows(IllegalStateException.class, () -> wrongNames.topK(x, 1));
            assertTrue(names.getMessage().contains("10 outputs but 2 class names"), names.getMessage());
            Predictor p = Predictor.builder(m).build();
            assertThrows(IllegalArgumentException.class, () -> p.topK(x, 0));
            assertThrows(IllegalArgumentException.class, () -> p.predict(List.of(), 1));
            assertThrows(java.io.IOException.class, () -> p.predict(dir.resolve("missing.png"), 1));
            p.close();
            assertThrows(IllegalStateException.class, () -> p.logits(x));
            assertFalse(m.stateDict().get("fc1.weight").isClosed(), "the model stays open unless closeModel(true)");
            assertThrows(IllegalArgumentException.class, () -> Predictor.builder(m).channels(2));
            assertThrows(IllegalArgumentException.class, () -> Predictor.builder(m).classNames(List.of()));
        }
    }

    /** Samples and labels held in arrays. */
    private record TensorDataset(float[] x, long[] labels) implements Dataset {
        @Override
        public int size() {
            return labels.length;
        }

        @Override
        public long[] sampleShape() {
            return new long[] {1, 28, 28};
        }

        @Override
        public int numClasses() {
            return 10;
        }

        @Override
        public void read(int index, FloatBuffer dst) {
            dst.put(x, index * 784, 784);
        }

        @Override
        public int label(int index) {
            return (int) labels[index];
        }
    }
}
