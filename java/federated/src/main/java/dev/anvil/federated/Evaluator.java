package dev.anvil.federated;

import dev.anvil.train.Evaluation;

/** Evaluates global weights on the coordinator's side (a held-out test set), after each round. */
@FunctionalInterface
public interface Evaluator {
    Evaluation evaluate(ModelWeights weights);
}
