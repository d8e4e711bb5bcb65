package dev.anvil.ops;

import dev.anvil.Device;

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
}
