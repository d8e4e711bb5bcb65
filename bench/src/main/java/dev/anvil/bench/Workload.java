package dev.anvil.bench;

import java.util.Map;

/**
 * The work each benchmark does, for turning its time into a rate: floating-point operations
 * (multiply and add counted apart) for the compute-bound ops, bytes moved for the memory-bound
 * ones. Shapes are those of the reference network at batch 64.
 */
public final class Workload {
    /** conv2: 64x32x14x14 input, 64 filters 5x5, padding 2: 2*N*O*OH*OW*C*KH*KW. */
    static final double CONV2_FLOP = 2.0 * 64 * 64 * 14 * 14 * 32 * 25;
    /** fc1: 64x3136 input, 1024 outputs. */
    static final double FC1_FLOP = 2.0 * 64 * 3136 * 1024;
    /** Reference-network parameter count (an SGD step reads param, grad, velocity and writes param, velocity). */
    static final double PARAMS = 3_274_634;
    static final double POOL_IN = 64.0 * 32 * 28 * 28;

    /** FLOPs per call, by benchmark parameter (absent: memory-bound). */
    public static final Map<String, Double> FLOP = Map.of(
            "conv2_fwd", CONV2_FLOP,
            "conv2_bwd", 2 * CONV2_FLOP,
            "fc1_fwd", FC1_FLOP,
            "fc1_bwd", 2 * FC1_FLOP);

    /** Bytes read plus written per call, by benchmark parameter. */
    public static final Map<String, Double> BYTES = Map.of(
            "maxpool_fwd", 4 * (POOL_IN + POOL_IN / 4 * 2),
            "maxpool_bwd", 4 * (POOL_IN / 4 * 2 + POOL_IN),
            "relu_fwd", 4 * 2 * POOL_IN,
            "relu_bwd", 4 * 3 * POOL_IN,
            "sgd_step", 4 * (3 + 2) * PARAMS);

    private Workload() {}
}
