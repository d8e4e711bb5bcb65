package dev.anvil.ops;

import static dev.anvil.ops.Check.assertInvalid;

import dev.anvil.Device;
import dev.anvil.Scope;
import dev.anvil.Tensor;
import dev.anvil.internal.Native;
import org.junit.jupiter.api.Test;

/**
 * The bad-argument checks of {@link NativeBadArgumentTest} on a CUDA context with device
 * buffers: the API layer validates before dispatching, so the same calls fail the same way on
 * either backend. Skipped, with the reason, where CUDA is not usable.
 */
class NativeBadArgumentCudaTest extends NativeBadArgumentTest {
    @Override
    protected Device device() {
        return Backends.use("cuda:0");
    }

    /** Host memory handed to a GPU op is refused before a kernel could fault on it; the GPU keeps working. */
    @Test
    void hostMemoryIsRefusedOnTheGpu() {
        try (Scope s = Scope.open()) {
            Tensor host = Tensor.zeros(16), onGpu = Tensor.zeros(dev, 16);
            assertInvalid(() -> Native.reluForward(dev, 16, host.address(), onGpu.address()), "anvil_relu_forward",
                    "x (", "not memory the GPU can reach");
            Native.reluForward(dev, 16, onGpu.address(), onGpu.address());
            Native.synchronize(dev);
        }
    }
}
