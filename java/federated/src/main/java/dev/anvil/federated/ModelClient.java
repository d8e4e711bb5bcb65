package dev.anvil.federated;

import dev.anvil.Tensor;
import dev.anvil.data.Batch;
import dev.anvil.data.DataLoader;
import dev.anvil.data.Dataset;
import dev.anvil.nn.CrossEntropyLoss;
import dev.anvil.nn.Layer;
import dev.anvil.nn.Parameter;
import dev.anvil.optim.SGD;
import dev.anvil.train.EpochResult;
import dev.anvil.train.Trainer;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The training side of a client: it loads the global weights into its model, trains for the
 * requested local epochs on its own data with SGD (the core {@link Trainer}; with FedProx's
 * proximal term, the same step plus mu (w - w_global) on each gradient) and returns the new
 * weights. One thread at a time.
 */
public final class ModelClient {
    private final Layer model;
    private final Dataset data;
    private final WeightLayout layout;
    private final Map<String, Integer> offsets = new HashMap<>();
    private float[] scratchW = new float[0], scratchG = new float[0];

    public ModelClient(Layer model, Dataset data) {
        this.model = Objects.requireNonNull(model, "model");
        this.data = Objects.requireNonNull(data, "data");
        if (data.size() == 0) throw new IllegalArgumentException("a client needs at least one sample");
        this.layout = ModelWeights.layoutOf(model);
        int at = 0;
        for (int i = 0; i < layout.entries(); i++) {
            offsets.put(layout.names().get(i), at);
            long n = 1;
            for (long d : layout.shape(i)) n *= d;
            at += (int) n;
        }
    }

    public WeightLayout layout() {
        return layout;
    }

    /** Number of local training samples. */
    public long numSamples() {
        return data.size();
    }

    /**
     * Local training for {@code round} starting from {@code global}.
     *
     * @throws IllegalArgumentException if {@code global} does not fit the model
     */
    public ClientUpdate fit(String clientId, int round, float[] global, FitConfig config) {
        Objects.requireNonNull(global, "global");
        Objects.requireNonNull(config, "config");
        new ModelWeights(layout, global).copyInto(model);
        double loss;
        try (SGD sgd = SGD.builder().lr(config.lr()).momentum(config.momentum()).build(model.parameters());
             DataLoader loader = DataLoader.builder(data).batchSize(config.batchSize()).shuffle(true).device(model.device())
                     .seed(config.seed() * 1_000_003L + round).build()) {
            loss = config.proximalMu() > 0 ? proximalEpochs(sgd, loader, global, config) : plainEpochs(sgd, loader, config);
        }
        return new ClientUpdate(clientId, round, ModelWeights.of(model).values(), data.size(), loss);
    }

    private double plainEpochs(SGD sgd, DataLoader loader, FitConfig config) {
        try (Trainer trainer = Trainer.builder(model, sgd).build()) {
            List<EpochResult> epochs = trainer.fit(loader, null, config.localEpochs());
            return epochs.get(epochs.size() - 1).trainLoss();
        }
    }

    private double proximalEpochs(SGD sgd, DataLoader loader, float[] global, FitConfig config) {
        float mu = (float) config.proximalMu();
        Map<String, Parameter> params = model.namedParameters();
        double lossSum = 0;
        long samples = 0;
        try (CrossEntropyLoss ce = new CrossEntropyLoss()) {
            model.train(true);
            for (int epoch = 0; epoch < config.localEpochs(); epoch++) {
                loader.setEpoch(epoch);
                lossSum = 0;
                samples = 0;
                for (Batch batch : loader) {
                    sgd.zeroGrad();
                    float l = ce.forward(model.forward(batch.images()), batch.labels());
                    model.backward(ce.backward(), false);
                    for (Map.Entry<String, Parameter> e : params.entrySet()) addProximal(e.getValue(), global, offsets.get(e.getKey()), mu);
                    sgd.step();
                    lossSum += (double) l * batch.size();
                    samples += batch.size();
                }
            }
        }
        return lossSum / Math.max(1, samples);
    }

    /** grad += mu (w - w_global), the gradient of (mu / 2) ||w - w_global||^2, in bulk through two scratch arrays. */
    private void addProximal(Parameter p, float[] global, int offset, float mu) {
        if (!p.hasGrad()) return;
        Tensor value = p.value(), grad = p.grad();
        int n = Math.toIntExact(value.numel());
        if (scratchW.length < n) {
            scratchW = new float[n];
            scratchG = new float[n];
        }
        float[] w = scratchW, g = scratchG;
        boolean host = value.device().type() == dev.anvil.Device.Type.CPU;
        if (host) {
            value.floatBuffer().get(w, 0, n);
            grad.floatBuffer().get(g, 0, n);
        } else {
            System.arraycopy(value.toFloatArray(), 0, w, 0, n);
            System.arraycopy(grad.toFloatArray(), 0, g, 0, n);
        }
        for (int i = 0; i < n; i++) g[i] += mu * (w[i] - global[offset + i]);
        if (host) grad.floatBuffer().put(g, 0, n);
        else grad.copyFrom(java.util.Arrays.copyOf(g, n));
    }
}
