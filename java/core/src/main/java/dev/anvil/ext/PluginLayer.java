package dev.anvil.ext;

import dev.anvil.AnvilException;
import dev.anvil.Tensor;
import dev.anvil.internal.Native;
import dev.anvil.nn.Layer;
import java.util.Arrays;

/**
 * A layer running one op of a {@link Plugin}: forward calls the op's forward, backward its
 * backward with the forward pass's input and output, so it trains with gradients like the
 * built-in layers. Output and input gradient belong to the layer and are reused between steps.
 */
public final class PluginLayer extends Layer {
    private final Plugin plugin;
    private final String op;
    private final int index;
    private final float[] params;
    private Tensor input;
    private Tensor output;
    private Tensor inputGrad;
    private boolean released;

    PluginLayer(Plugin plugin, String op, int index, float[] params) {
        super(op);
        this.plugin = plugin;
        this.op = op;
        this.index = index;
        this.params = params;
    }

    /** The op's hyper-parameters. */
    public float[] params() {
        return params.clone();
    }

    @Override
    public long[] outputShape(long[] in) {
        if (in.length < 1 || in.length > 8) {
            throw new IllegalArgumentException(name() + ": plug-in ops take 1 to 8 dimensions, got shape " + Arrays.toString(in));
        }
        try {
            return Native.pluginOpOutputShape(plugin.handle(), index, in, params);
        } catch (AnvilException e) {
            if (e.status() != AnvilException.Status.INVALID_ARGUMENT) throw e;
            throw new IllegalArgumentException(name() + ": input shape " + Arrays.toString(in) + " refused: " + e.getMessage(), e);
        }
    }

    @Override
    protected Tensor doForward(Tensor x) {
        long[] outShape = checkInput(x);
        output = reuse(output, x.device(), outShape);
        Native.pluginOpForward(x.device(), plugin.handle(), index, x.shape(), params, x.address(), output.address());
        input = isTraining() ? x : null;
        return output;
    }

    @Override
    protected Tensor doBackward(Tensor dy, boolean needInputGrad) {
        checkGradient(dy, input, output == null ? null : output.shape());
        if (!needInputGrad) return null;
        inputGrad = reuse(inputGrad, dy.device(), input.shape());
        Native.pluginOpBackward(dy.device(), plugin.handle(), index, input.shape(), params, input.address(), output.address(),
                dy.address(), inputGrad.address());
        return inputGrad;
    }

    @Override
    protected void releaseBuffers() {
        closeAll(output, inputGrad);
        input = null;
        if (!released) {
            released = true;
            plugin.layerClosed();
        }
    }

    @Override
    protected String describe() {
        return kind() + Arrays.toString(params).replace('[', '(').replace(']', ')') + " [plug-in " + plugin.name() + "]";
    }
}
