package dev.anvil.ext;

import dev.anvil.AnvilException;
import dev.anvil.DType;
import dev.anvil.Device;
import dev.anvil.Tensor;
import dev.anvil.internal.Native;
import dev.anvil.internal.Shapes;
import dev.anvil.nn.Init;
import dev.anvil.nn.MultiInputLayer;
import dev.anvil.nn.Parameter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A layer running one op of a {@link Plugin}: forward calls the op's forward, backward its
 * backward with the forward pass's inputs and output, so it trains with gradients like the
 * built-in layers. An op of one input is an ordinary layer (in a {@link dev.anvil.nn.Sequential});
 * one of several inputs is a {@link MultiInputLayer} (a {@link dev.anvil.nn.Residual}'s merge).
 * The op's weights are the layer's parameters, under the names the op gives them ("weight",
 * "bias"), so they appear in {@link #namedParameters()} and the state dict, are trained by the
 * optimizers and saved by checkpoints; they are initialised as the op declares. The buffers of an
 * op of plug-in ABI version 3 ("running_mean") are the layer's buffers: in the state dict and
 * checkpoints, moved with the layer, not trained; the op updates them in training forward passes.
 * The op is told the layer's mode ({@link #train()} or {@link #eval()}). Output and input
 * gradients belong to the layer and are reused between steps.
 */
public final class PluginLayer extends MultiInputLayer {
    private static final int INIT_CONSTANT = 0, INIT_UNIFORM = 1, INIT_UNIFORM_FAN_IN = 2; // anvil_plugin.h's ANVIL_PLUGIN_INIT_*

    private final Plugin plugin;
    private final int index;
    private final float[] params;
    private final int numInputs;
    private final List<Parameter> weights;
    private final List<Native.PluginWeight> definitions;
    private final List<Native.PluginBuffer> bufferDefinitions;
    private final Tensor[] buffers; // the op's buffers, in its order
    // What a native call reads, kept between calls (no allocation per step).
    private final long[][] weightShapes, bufferShapes;
    private final long[][] inShapes;
    private final long[] inputAddresses, weightAddresses, bufferAddresses, inputGradAddresses, weightGradAddresses;
    private final int[] scratchOffsets = new int[Native.PLUGIN_CALL_OFFSETS];
    private final Tensor[] inputs; // the last training forward pass's inputs (kept allocated by forward)
    private final Tensor[] inputGrads;
    private Tensor output;
    private boolean released;

    PluginLayer(Plugin plugin, String op, int index, float[] params, long[][] inputShapes) {
        super(op);
        this.plugin = plugin;
        this.index = index;
        this.params = params;
        long handle = plugin.handle();
        this.numInputs = Native.pluginOpNumInputs(handle, index);
        int numWeights = Native.pluginOpNumWeights(handle, index);
        if (inputShapes != null && inputShapes.length != numInputs) {
            throw new IllegalArgumentException("plug-in " + plugin.name() + " op " + op + " takes " + numInputs
                    + " input(s), got " + inputShapes.length + " input shapes");
        }
        List<Native.PluginWeight> defs = new ArrayList<>(numWeights);
        for (int i = 0; i < numWeights; i++) defs.add(Native.pluginOpWeight(handle, index, i));
        this.definitions = List.copyOf(defs);
        this.weightShapes = numWeights == 0 ? new long[0][] : stateShapes(op, handle, inputShapes, numWeights, false);
        List<Parameter> made = new ArrayList<>(numWeights);
        try {
            for (int i = 0; i < numWeights; i++) made.add(new Parameter(defs.get(i).name(), weightShapes[i]));
        } catch (RuntimeException e) {
            made.forEach(Parameter::close);
            throw e;
        }
        this.weights = List.copyOf(made);
        int numBuffers = Native.pluginOpNumBuffers(handle, index);
        List<Native.PluginBuffer> bufferDefs = new ArrayList<>(numBuffers);
        for (int i = 0; i < numBuffers; i++) bufferDefs.add(Native.pluginOpBuffer(handle, index, i));
        this.bufferDefinitions = List.copyOf(bufferDefs);
        this.buffers = new Tensor[numBuffers];
        try {
            this.bufferShapes = numBuffers == 0 ? new long[0][] : stateShapes(op, handle, inputShapes, numBuffers, true);
            for (int i = 0; i < numBuffers; i++) buffers[i] = Tensor.emptyUnscoped(DType.FLOAT32, bufferShapes[i]);
        } catch (RuntimeException e) {
            weights.forEach(Parameter::close);
            closeAll(buffers);
            throw e;
        }
        this.bufferAddresses = new long[numBuffers];
        this.inShapes = new long[numInputs][];
        this.inputAddresses = new long[numInputs];
        this.inputGradAddresses = new long[numInputs];
        this.weightAddresses = new long[numWeights];
        this.weightGradAddresses = new long[numWeights];
        this.inputs = new Tensor[numInputs];
        this.inputGrads = new Tensor[numInputs];
        resetOwnParameters(Init.next());
    }

    private long[][] stateShapes(String op, long handle, long[][] inputShapes, int count, boolean ofBuffers) {
        if (inputShapes != null) {
            for (long[] s : inputShapes) checkShape(s);
        }
        try {
            return ofBuffers ? Native.pluginOpBufferShapes(handle, index, params, inputShapes, count)
                    : Native.pluginOpWeightShapes(handle, index, params, inputShapes, count);
        } catch (AnvilException e) {
            if (e.status() != AnvilException.Status.INVALID_ARGUMENT) throw e;
            throw new IllegalArgumentException("plug-in " + plugin.name() + " op " + op + ": " + (ofBuffers ? "buffer" : "weight")
                    + " shapes refused for "
                    + (inputShapes == null ? "no input shapes" : "input shapes " + Arrays.deepToString(inputShapes)) + ": "
                    + e.getMessage(), e);
        }
    }

    /** The op's hyper-parameters. */
    public float[] params() {
        return params.clone();
    }

    @Override
    public int numInputs() {
        return numInputs;
    }

    @Override
    protected List<Parameter> ownParameters() {
        return weights;
    }

    /** The op's buffers by name, in its order (none for ops of plug-in ABI versions 1 and 2). */
    @Override
    protected Map<String, Tensor> ownBuffers() {
        if (buffers.length == 0) return Map.of();
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < buffers.length; i++) out.put(bufferDefinitions.get(i).name(), buffers[i]);
        return out;
    }

    @Override
    protected void moveBuffers(Device device) {
        for (int i = 0; i < buffers.length; i++) {
            Tensor moved = buffers[i].copyUnscoped(device);
            buffers[i].close();
            buffers[i] = moved;
        }
    }

    /**
     * Initialises each weight as the op declares it (a constant, a uniform bound, or PyTorch's fan-in
     * default), and sets each buffer to its start value, as PyTorch's BatchNorm resets its running
     * statistics with its parameters.
     */
    @Override
    protected void resetOwnParameters(SplittableRandom rng) {
        for (int i = 0; i < buffers.length; i++) buffers[i].fill(bufferDefinitions.get(i).init());
        for (int i = 0; i < weights.size(); i++) {
            Tensor t = weights.get(i).value();
            Native.PluginWeight def = definitions.get(i);
            switch (def.init()) {
                case INIT_CONSTANT -> t.fill(def.initArg());
                case INIT_UNIFORM -> Init.uniform(t, -def.initArg(), def.initArg(), rng);
                case INIT_UNIFORM_FAN_IN -> Init.uniformFanIn(t, t.numel() / t.size(0), rng);
                default -> throw new IllegalStateException(name() + ": weight " + def.name() + " has the unknown initialiser " + def.init());
            }
        }
    }

    @Override
    public long[] outputShape(long[][] in) {
        if (in.length != numInputs) {
            throw new IllegalArgumentException(name() + ": takes " + numInputs + " input(s), got " + in.length + " shapes");
        }
        for (long[] s : in) checkShape(s);
        try {
            return Native.pluginOpOutputShapeN(plugin.handle(), index, params, in, weightShapes);
        } catch (AnvilException e) {
            if (e.status() != AnvilException.Status.INVALID_ARGUMENT) throw e;
            throw new IllegalArgumentException(name() + ": input shape(s) " + shapesText(in) + " refused: " + e.getMessage(), e);
        }
    }

    private void checkShape(long[] s) {
        if (s == null || s.length < 1 || s.length > 8) {
            throw new IllegalArgumentException(name() + ": plug-in ops take 1 to 8 dimensions, got shape "
                    + (s == null ? "null" : Arrays.toString(s)));
        }
    }

    private static String shapesText(long[][] shapes) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < shapes.length; i++) sb.append(i == 0 ? "" : " and ").append(Arrays.toString(shapes[i]));
        return sb.toString();
    }

    @Override
    protected Tensor forwardInputs(Tensor[] xs) {
        long[] outShape = checkInputs(xs);
        output = reuse(output, xs[0].device(), outShape);
        for (int i = 0; i < numInputs; i++) {
            inShapes[i] = Shapes.of(xs[i]);
            inputAddresses[i] = xs[i].address();
        }
        for (int i = 0; i < weights.size(); i++) weightAddresses[i] = weights.get(i).value().address();
        for (int i = 0; i < buffers.length; i++) bufferAddresses[i] = buffers[i].address();
        Native.pluginOpForwardState(xs[0].device(), plugin.handle(), index, params, inShapes, inputAddresses, weightShapes,
                weightAddresses, bufferShapes, bufferAddresses, isTraining(), output.address(), scratchOffsets);
        for (int i = 0; i < numInputs; i++) inputs[i] = isTraining() ? xs[i] : null;
        return output;
    }

    @Override
    protected Tensor[] backwardAll(Tensor dy) {
        checkGradient(dy, inputs[0], output == null ? null : Shapes.of(output));
        for (int i = 0; i < numInputs; i++) {
            inputs[i].checkOpen();
            inShapes[i] = Shapes.of(inputs[i]);
            inputAddresses[i] = inputs[i].address();
            inputGrads[i] = reuse(inputGrads[i], dy.device(), inShapes[i]);
            inputGradAddresses[i] = inputGrads[i].address();
        }
        for (int i = 0; i < weights.size(); i++) {
            Parameter w = weights.get(i);
            // The op adds to the gradient: after zeroGrad it starts from zero.
            if (!w.beginGradWrite()) Native.fill(dy.device(), w.numel(), 0f, w.grad().address());
            weightAddresses[i] = w.value().address();
            weightGradAddresses[i] = w.grad().address();
        }
        for (int i = 0; i < buffers.length; i++) bufferAddresses[i] = buffers[i].address();
        // Backward follows a training forward pass (only those keep their inputs): training mode.
        Native.pluginOpBackwardState(dy.device(), plugin.handle(), index, params, inShapes, inputAddresses, weightShapes,
                weightAddresses, bufferShapes, bufferAddresses, true, output.address(), dy.address(),
                inputGradAddresses, weightGradAddresses, scratchOffsets);
        return inputGrads;
    }

    @Override
    protected void releaseBuffers() {
        super.releaseBuffers();
        closeAll(output);
        closeAll(inputGrads);
        Arrays.fill(inputs, null);
    }

    /** Closes the layer and lets its plug-in be closed (moving the layer with {@link #to} does not). */
    @Override
    public void close() {
        super.close();
        synchronized (this) {
            if (released) return;
            released = true;
        }
        plugin.layerClosed();
    }

    @Override
    protected String describe() {
        return kind() + Arrays.toString(params).replace('[', '(').replace(']', ')') + " [plug-in " + plugin.name() + "]";
    }
}
