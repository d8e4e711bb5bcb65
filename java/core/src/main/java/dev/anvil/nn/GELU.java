package dev.anvil.nn;

import dev.anvil.abi.Abi;

/** x * Phi(x) with Phi the standard normal CDF (PyTorch's {@code nn.GELU}); {@code approximate "tanh"} uses the tanh form. */
public final class GELU extends ElementwiseActivation {
    private final boolean tanh;

    /** The exact (erf) form, PyTorch's default. */
    public GELU() {
        this("none");
    }

    /** {@code approximate}: "none" (erf) or "tanh", as in PyTorch. */
    public GELU(String approximate) {
        super("GELU", kindOf(approximate), 0f);
        this.tanh = approximate.equals("tanh");
    }

    private static int kindOf(String approximate) {
        return switch (java.util.Objects.requireNonNull(approximate, "approximate")) {
            case "none" -> Abi.ANVIL_ACT_GELU;
            case "tanh" -> Abi.ANVIL_ACT_GELU_TANH;
            default -> throw new IllegalArgumentException("GELU: approximate must be \"none\" or \"tanh\", got \"" + approximate + "\"");
        };
    }

    /** "none" (erf) or "tanh", as PyTorch's {@code approximate}. */
    public String approximate() {
        return tanh ? "tanh" : "none";
    }

    @Override
    protected String describe() {
        return kind() + "(approximate=" + (tanh ? "tanh" : "none") + ")";
    }
}
