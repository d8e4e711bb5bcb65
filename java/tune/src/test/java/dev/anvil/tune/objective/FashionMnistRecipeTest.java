package dev.anvil.tune.objective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.anvil.nn.Parameter;
import dev.anvil.nn.Sequential;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FashionMnistRecipeTest {
    private static long parameters(Sequential m) {
        long n = 0;
        for (Parameter p : m.parameters()) n += p.numel();
        return n;
    }

    @Test
    void theDefaultRecipeIsAnvilTrainsReferenceNetAndCommand() {
        FashionMnistRecipe r = FashionMnistRecipe.of(Map.of());
        assertEquals(new FashionMnistRecipe(0.01, 0.9, 0, 64, "sgd", 0.4, "constant", 1, 0), r);
        try (Sequential m = r.model()) {
            assertEquals(3_274_634, parameters(m)); // Models.fashionMnistCnn(), as documented there
        }
        assertEquals("anvil train --epochs 2 --lr 0.01 --batch 64 --optimizer sgd --weight-decay 0 --momentum 0.9", r.command(2));
    }

    @Test
    void widthScalesChannelsAndHiddenUnitsAndNeedsAnvilTuneTrain() {
        FashionMnistRecipe r = FashionMnistRecipe.of(Map.of("width", 0.5, "dropout", 0.2, "optimizer", "adam", "lr", 0.001, "schedule", "cosine"));
        try (Sequential m = r.model()) {
            // conv 1->16 (5x5), conv 16->32, linear 32*7*7 -> 512, linear 512 -> 10, with biases
            long expected = (16 * 25 + 16) + (32 * 16 * 25 + 32) + (1568L * 512 + 512) + (512 * 10 + 10);
            assertEquals(expected, parameters(m));
        }
        assertEquals("anvil tune train --epochs 2 --param optimizer=adam --param lr=0.001 --param weight_decay=0 --param batch=64 --param dropout=0.2 "
                + "--param schedule=cosine --param width=0.5 --param label_smoothing=0", r.command(2));
    }

    @Test
    void cosineAndLabelSmoothingFitAnvilTrain() {
        FashionMnistRecipe r = FashionMnistRecipe.of(Map.of("optimizer", "adam", "lr", 0.002, "schedule", "cosine", "label_smoothing", 0.1));
        assertEquals("anvil train --epochs 2 --lr 0.002 --batch 64 --optimizer adam --weight-decay 0 --schedule cosine --label-smoothing 0.1", r.command(2));
    }

    @Test
    void schedules() {
        FashionMnistRecipe cosine = FashionMnistRecipe.of(Map.of("schedule", "cosine", "lr", 0.1));
        assertEquals(0.1, cosine.lrAt(0, 100), 1e-12);
        assertEquals(0.05, cosine.lrAt(50, 100), 1e-12);
        assertEquals(0.0, cosine.lrAt(100, 100), 1e-12);
        assertEquals(0.025, FashionMnistRecipe.of(Map.of("schedule", "linear", "lr", 0.1)).lrAt(75, 100), 1e-12);
        assertEquals(0.1, FashionMnistRecipe.of(Map.of("lr", 0.1)).lrAt(99, 100), 1e-12);
        // PyTorch's OneCycleLR(max_lr=0.1, total_steps=100, pct_start=0.3): 0.004 at step 0, the peak
        // at step 29 (pct_start * total - 1), 0.004 / 1e4 at the last step
        FashionMnistRecipe oneCycle = FashionMnistRecipe.of(Map.of("schedule", "onecycle", "lr", 0.1));
        assertEquals(0.004, oneCycle.lrAt(0, 100), 1e-12);
        assertEquals(0.1, oneCycle.lrAt(29, 100), 1e-12);
        assertEquals(4e-7, oneCycle.lrAt(99, 100), 1e-12);
        assertEquals(4e-7, oneCycle.lrAt(100, 100), 1e-12);
    }

    @Test
    void badRecipesNameTheParameter() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FashionMnistRecipe.of(Map.of("lr", -1.0))).getMessage().contains("lr must be positive"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FashionMnistRecipe.of(Map.of("optimizer", "rmsprop"))).getMessage()
                .contains("optimizer must be sgd, adam or adamw"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FashionMnistRecipe.of(Map.of("dropout", 1.0))).getMessage().contains("dropout"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FashionMnistRecipe.of(Map.of("schedule", "step"))).getMessage().contains("schedule"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FashionMnistRecipe.of(Map.of("width", 0.0))).getMessage().contains("width"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FashionMnistRecipe.of(Map.of("label_smoothing", 1.5))).getMessage()
                .contains("label_smoothing"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FashionMnistRecipe.of(Map.of("momentum", 1.0))).getMessage().contains("momentum"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FashionMnistRecipe.of(Map.of("batch", 0L))).getMessage().contains("batch"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FashionMnistRecipe.of(Map.of("lrr", 0.1))).getMessage().contains("no parameter 'lrr'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FashionMnistRecipe.of(Map.of("lr", "fast"))).getMessage().contains("not a number"));
    }
}
