package dev.anvil.train;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The epoch summary the Trainer logs at INFO. */
class TrainerLogTest {
    @Test
    void epochSummary() {
        assertEquals("epoch 2/5: train loss 0.1235, train accuracy 0.9500, 1500 images/s, 3.2 s; test accuracy 0.9012, test loss 0.2500",
                Trainer.summary(new EpochResult(2, 0.12345, 0.95, 1499.6, 3.21, new Evaluation(0.90123, 0.25, 10, 1)), 5));
        assertEquals("epoch 1/1: train loss 1.0000, 10 images/s, 0.5 s", Trainer.summary(new EpochResult(1, 1, Double.NaN, 10, 0.5, null), 1));
    }
}
