package dev.anvil.distributed;

import dev.anvil.DType;
import dev.anvil.Device;
import dev.anvil.Tensor;
import dev.anvil.nn.Parameter;
import java.util.List;

/**
 * One float tensor with room for every value of several parameters (and {@code extraFloats} more at
 * its end), on their device, with one view per parameter in the parameter's shape: what a single
 * collective over all their gradients moves. Made once, reused every step.
 */
public final class FlatParameters implements AutoCloseable {
    private final Tensor flat;
    private final Tensor[] slots;
    private final long parameterFloats;

    /**
     * @param owner named in the error when the parameters are not on one device
     * @throws IllegalArgumentException if {@code parameters} is empty or spans devices
     */
    public FlatParameters(List<Parameter> parameters, long extraFloats, String owner) {
        if (parameters.isEmpty()) throw new IllegalArgumentException(owner + ": no parameters");
        Device device = parameters.get(0).device();
        for (Parameter p : parameters) {
            if (!p.device().equals(device)) {
                throw new IllegalArgumentException(owner + ": parameters on " + device + " and on " + p.device()
                        + "; move the model to one device with to(device)");
            }
        }
        parameterFloats = parameters.stream().mapToLong(Parameter::numel).sum();
        flat = Tensor.emptyUnscoped(device, DType.FLOAT32, parameterFloats + extraFloats);
        slots = new Tensor[parameters.size()];
        long offset = 0;
        for (int i = 0; i < slots.length; i++) {
            Parameter p = parameters.get(i);
            slots[i] = flat.narrow(0, offset, p.numel()).reshape(p.value().shape());
            offset += p.numel();
        }
    }

    /** The whole buffer. */
    public Tensor flat() {
        return flat;
    }

    /** The view of parameter {@code i}. */
    public Tensor slot(int i) {
        return slots[i];
    }

    /** The floats of the parameters, without the extra ones. */
    public long parameterFloats() {
        return parameterFloats;
    }

    @Override
    public void close() {
        flat.close();
    }
}
