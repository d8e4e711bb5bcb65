package dev.anvil.federated;

import dev.anvil.data.DataLoader;
import dev.anvil.data.Dataset;
import dev.anvil.nn.Layer;
import dev.anvil.optim.SGD;
import dev.anvil.train.Evaluation;
import dev.anvil.train.Trainer;
import java.util.Objects;

/**
 * Centralised evaluation: loads the global weights into a model and measures accuracy and
 * cross-entropy on a test set with the core {@link Trainer}. One thread at a time.
 */
public final class ModelEvaluator implements Evaluator, AutoCloseable {
    private final Layer model;
    private final DataLoader loader;
    private final SGD unused;
    private final Trainer trainer;

    public ModelEvaluator(Layer model, Dataset test, int batchSize) {
        this.model = Objects.requireNonNull(model, "model");
        Objects.requireNonNull(test, "test");
        this.loader = DataLoader.builder(test).batchSize(batchSize).device(model.device()).build();
        this.unused = SGD.builder().lr(0).build(model.parameters()); // the Trainer needs one; evaluation never steps
        this.trainer = Trainer.builder(model, unused).build();
    }

    @Override
    public Evaluation evaluate(ModelWeights weights) {
        weights.copyInto(model);
        return trainer.evaluate(loader);
    }

    @Override
    public void close() {
        trainer.close();
        unused.close();
        loader.close();
    }
}
