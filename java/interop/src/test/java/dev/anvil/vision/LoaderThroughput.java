package dev.anvil.vision;

import dev.anvil.Anvil;
import dev.anvil.Tensor;
import dev.anvil.data.Batch;
import dev.anvil.data.DataLoader;
import dev.anvil.nn.Models;
import dev.anvil.nn.Sequential;
import dev.anvil.optim.SGD;
import dev.anvil.train.Trainer;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/**
 * Measures how fast an {@link ImageFolder} of 32x32 grey PNGs is decoded and augmented (random
 * crop 28 with padding 2, flip, normalize), by the loader alone and while training fmnist-cnn,
 * for 1 to N loader workers. Not a test: run it by hand,
 * {@code java -cp ... dev.anvil.vision.LoaderThroughput DIR [IMAGES] [MAX_WORKERS] [COMPUTE_THREADS]}.
 */
public final class LoaderThroughput {
    private LoaderThroughput() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int images = args.length > 1 ? Integer.parseInt(args[1]) : 4096;
        int maxWorkers = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        if (args.length > 3) Anvil.setNumThreads(Integer.parseInt(args[3]));
        SplittableRandom rng = new SplittableRandom(1);
        if (!Files.isDirectory(dir)) {
            for (int i = 0; i < images; i++) {
                BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_BYTE_GRAY);
                for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) img.getRaster().setSample(x, y, 0, rng.nextInt(256));
                Path f = dir.resolve("class" + i % 10).resolve(i + ".png");
                Files.createDirectories(f.getParent());
                ImageIO.write(img, "png", f.toFile());
            }
        }
        Transform augment = Transforms.compose(Transforms.randomCrop(28, 28, 2), Transforms.randomHorizontalFlip(0.5),
                Transforms.normalize(new float[] {0.5f}, new float[] {0.29f}));
        ImageFolder folder = ImageFolder.builder(dir).channels(1).transform(augment).seed(1).build();
        System.out.printf(Locale.ROOT, "%s; %d compute threads, %d CPUs%n", folder, Anvil.numThreads(), Runtime.getRuntime().availableProcessors());
        for (int w = 1; w <= maxWorkers; w++) {
            try (DataLoader loader = DataLoader.builder(folder).batchSize(64).shuffle(true).seed(1).workers(w).build()) {
                count(loader); // warm-up epoch
                long t = System.nanoTime();
                int n = count(loader);
                System.out.printf(Locale.ROOT, "loader alone, %d worker(s): %.0f images/s%n", w, n / ((System.nanoTime() - t) / 1e9));
            }
        }
        try (Sequential model = Models.fashionMnistCnn(); SGD sgd = SGD.builder().lr(0.01).momentum(0.9).build(model.parameters());
                Trainer trainer = Trainer.builder(model, sgd).build();
                Tensor x = Tensor.zeros(64, 1, 28, 28); Tensor y = Tensor.ofInts(new int[64], 64)) {
            for (int i = 0; i < 5; i++) trainer.step(x, y);
            long t = System.nanoTime();
            int steps = 30;
            for (int i = 0; i < steps; i++) trainer.step(x, y);
            System.out.printf(Locale.ROOT, "training alone (one batch in memory): %.0f images/s%n", steps * 64 / ((System.nanoTime() - t) / 1e9));
            for (int w = 1; w <= maxWorkers; w++) {
                try (DataLoader loader = DataLoader.builder(folder).batchSize(64).shuffle(true).seed(1).workers(w).build()) {
                    long t0 = System.nanoTime();
                    int n = 0;
                    for (Batch b : loader) {
                        trainer.step(b.images(), b.labels());
                        n += b.size();
                    }
                    System.out.printf(Locale.ROOT, "training from the folder, %d worker(s): %.0f images/s%n", w, n / ((System.nanoTime() - t0) / 1e9));
                }
            }
        }
    }

    private static int count(DataLoader loader) {
        int n = 0;
        for (Batch b : loader) n += b.size();
        return n;
    }
}
