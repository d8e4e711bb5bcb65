package dev.anvil.nn;

import dev.anvil.DType;
import dev.anvil.Device;
import dev.anvil.Tensor;
import dev.anvil.internal.Shapes;
import dev.anvil.internal.UseGuard;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A building block of a network with an explicit forward and backward pass.
 *
 * <p>Tensors returned by {@link #forward} and {@link #backward} belong to the layer: they are
 * reused by the next call (no allocation per training step) and freed by {@link #close()}.
 * A layer keeps a reference to its forward input for the backward pass, so the input must stay
 * open and unchanged until then. Shape problems are reported before any native call, with the
 * layer's name and the shapes involved.
 *
 * <p>A layer with parameters lives on one {@link Device} ({@link #to} moves it) and takes inputs
 * on that device; its outputs are on the device of its input.
 *
 * <p>Threads: a layer (a model is a layer) serves one thread at a time, like a PyTorch module. A
 * second thread calling forward, backward, {@link #to} or {@link #close} while one is inside gets an
 * {@link IllegalStateException} naming the layer and both threads, and so does backward from a
 * thread other than the one that ran the last training forward pass. Tensors a pass reads stay
 * allocated while it runs even if another thread closes them (see {@link Tensor#retain}), and the
 * input of a training forward pass until the next forward pass, for backward.
 *
 * <p>Layers form a tree: containers ({@link Sequential}, {@link Residual}, {@link Concat}) hold
 * named children, and every layer knows its path from the root ("stages.1.conv1"), which names it in
 * messages and names its parameters and buffers in {@link #stateDict()} exactly as PyTorch's
 * {@code state_dict()} does ("stages.1.conv1.weight", "stages.1.bn1.running_mean"). Closing,
 * moving, training mode and initialisation reach every child.
 *
 * <p>Subclasses implement {@link #doForward} and {@link #doBackward}; leaves declare their
 * parameters in {@link #ownParameters()} and their buffers in {@link #ownBuffers()}, containers
 * their children in {@link #children()}.
 */
public abstract class Layer implements AutoCloseable {
    /** The input shape of the last checkInput and the output shape for it (see {@link #checkInput}). */
    private long[] shapeMemoIn, shapeMemoOut;
    private final String kind;
    private String path = "";
    private String name;
    private boolean training = true;
    private volatile boolean closed;
    private Device device = Device.cpu();
    private final UseGuard guard = new UseGuard();
    private Tensor heldInput; // retained since the last training forward pass: backward reads it
    private Thread forwardThread; // the thread of that pass: backward must come from it

    /** {@code kind}: what the layer is ("Conv2d"), named in messages. */
    protected Layer(String kind) {
        this.kind = kind;
        this.name = kind;
    }

    /** How messages and summaries name the layer: its path and kind ("stages.1.conv1 (Conv2d)"), or its kind alone at the root. */
    public String name() {
        return name;
    }

    /** The kind of layer ("Conv2d"). */
    public String kind() {
        return kind;
    }

    /** The path from the root of the model ("stages.1.conv1"); "" for the root. */
    public String path() {
        return path;
    }

    /** A child layer and its name in its container ("0", "conv1", "shortcut"). */
    public record Child(String name, Layer layer) {}

    /** The named children, in order (PyTorch's {@code named_children()}); none for a leaf. */
    public List<Child> children() {
        return List.of();
    }

    /**
     * For containers: takes {@code child} in as the child called {@code childName}, below this
     * layer's path, in this layer's training mode.
     */
    protected final void adopt(String childName, Layer child) {
        if (child == null) throw new IllegalArgumentException(name + ": child " + childName + " is null");
        if (child == this) throw new IllegalArgumentException(name + ": a layer cannot contain itself");
        child.setPath(join(path, childName));
        child.train(training);
        shapeMemoIn = shapeMemoOut = null; // a new child may change the output shape
    }

    /** For containers: adopts each replacement (second) of a child and closes the child it replaced (first). */
    final void replaced(List<Child[]> pairs) {
        for (Child[] pair : pairs) {
            adopt(pair[1].name(), pair[1].layer());
            pair[0].layer().close();
        }
    }

    private void setPath(String path) {
        this.path = path;
        this.name = path.isEmpty() ? kind : path + " (" + kind + ")";
        for (Child c : children()) c.layer().setPath(join(path, c.name()));
    }

    private static String join(String prefix, String name) {
        return prefix.isEmpty() ? name : prefix + "." + name;
    }

    /** Output shape for an input of the given shape; throws IllegalArgumentException if invalid. */
    public abstract long[] outputShape(long[] inputShape);

    /** Computes the output; in training mode also remembers what backward needs. */
    public final Tensor forward(Tensor x) {
        guard.enter(name, "forward");
        try {
            retainArgument(x, "input");
            Tensor previous = heldInput;
            heldInput = null;
            keptForward(false);
            try {
                Tensor y = doForward(x);
                if (training) {
                    heldInput = x;
                    keptForward(true);
                    x = null;
                }
                return y;
            } finally {
                if (x != null) x.release();
                if (previous != null) previous.release();
            }
        } finally {
            guard.exit();
        }
    }

    /**
     * Gradient with respect to the input, given the gradient of the output; adds (or writes, after
     * zeroGrad) the parameter gradients. {@code needInputGrad == false} lets the first layer skip
     * computing a gradient nobody uses; it then returns null.
     */
    public final Tensor backward(Tensor dy, boolean needInputGrad) {
        guard.enter(name, "backward");
        try {
            checkForwardThread();
            retainArgument(dy, "output gradient");
            try {
                return doBackward(dy, needInputGrad);
            } finally {
                dy.release();
            }
        } finally {
            guard.exit();
        }
    }

    public final Tensor backward(Tensor dy) {
        return backward(dy, true);
    }

    /** The forward pass of this layer; {@link #forward} checks the thread and keeps x allocated. */
    protected abstract Tensor doForward(Tensor x);

    /** The backward pass of this layer; {@link #backward} checks the thread and keeps dy allocated. */
    protected abstract Tensor doBackward(Tensor dy, boolean needInputGrad);

    /**
     * Backward pairs with the last training forward pass, so it must come from the thread that ran
     * it: another thread's forward pass in between would otherwise pair this backward with the
     * wrong activations (a silently wrong gradient when the batch sizes match). {@link
     * MultiInputLayer} records its forward passes with {@link #keptForward}.
     */
    final void checkForwardThread() {
        Thread me = Thread.currentThread();
        Thread ran = forwardThread;
        if (ran != null && ran != me) {
            throw new IllegalStateException(name + ": backward on thread '" + me.getName() + "' but the last forward pass ran on thread '"
                    + ran.getName() + "'; a layer, model or optimizer serves one thread at a time: give each thread its own");
        }
    }

    /** Records whether the forward pass that just ran kept its inputs for backward, and on which thread. */
    final void keptForward(boolean kept) {
        forwardThread = kept ? Thread.currentThread() : null;
    }

    /** For {@link MultiInputLayer}: the thread check of forward and backward ({@code op} names the call). */
    final void enterUse(String op) {
        guard.enter(name, op);
    }

    final void exitUse() {
        guard.exit();
    }

    /** Keeps {@code t} allocated until released, failing clearly on a null or closed argument. */
    final void retainArgument(Tensor t, String what) {
        checkNotClosed();
        if (t == null) throw new IllegalArgumentException(name + ": " + what + " is null");
        try {
            t.retain();
        } catch (IllegalStateException e) {
            throw new IllegalStateException(name + ": " + what + " " + t.dtype() + t.shapeString() + " is closed", e);
        }
    }

    /** The device of this layer's parameters (the CPU until {@link #to} moves them). */
    public Device device() {
        return device;
    }

    /**
     * Moves the parameters (values and gradients) to {@code device} and frees the activation
     * buffers, which the next forward pass allocates there; returns this layer. Like PyTorch's
     * {@code module.to(device)}: the {@link Parameter} objects stay the same, so an optimizer made
     * before the move keeps working, and moves its own state on its next step.
     */
    public Layer to(Device device) {
        java.util.Objects.requireNonNull(device, "device");
        guard.enter(name, "to(" + device + ")");
        try {
            checkNotClosed();
            if (!device.equals(this.device)) {
                moveContents(device);
                this.device = device;
            }
            return this;
        } finally {
            guard.exit();
        }
    }

    /** Moves what the layer holds to {@code device}: its parameters, buffers and children; activations are freed. */
    protected void moveContents(Device device) {
        for (Parameter p : ownParameters()) p.to(device);
        moveBuffers(device);
        releaseBuffers();
        for (Child c : children()) c.layer().to(device);
    }

    /** Moves the layer's own buffers to {@code device} (layers with buffers override it). */
    protected void moveBuffers(Device device) {}

    /** This layer's own trainable parameters (not its children's), in a fixed order. */
    protected List<Parameter> ownParameters() {
        return List.of();
    }

    /**
     * This layer's own buffers: state that is saved with the model but not trained (BatchNorm's
     * running statistics), by name, in a fixed order.
     */
    protected Map<String, Tensor> ownBuffers() {
        return Map.of();
    }

    /** Every trainable parameter of this layer and its descendants, each once, in state-dict order. */
    public final List<Parameter> parameters() {
        return List.copyOf(namedParameters().values());
    }

    /**
     * Every parameter with its qualified name relative to this layer ("stages.0.conv1.weight"), as
     * PyTorch's {@code named_parameters()}: own parameters first, then each child's; a parameter
     * shared by two children appears once, under its first name.
     */
    public final Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", out, null, Collections.newSetFromMap(new IdentityHashMap<>()));
        return Collections.unmodifiableMap(out);
    }

    /**
     * The model's state: every parameter's value and every buffer, by qualified name, in PyTorch's
     * {@code state_dict()} order (a layer's parameters, then its buffers, then its children's). The
     * tensors are the layer's own (no copies): read them, or save them, while the model is open.
     */
    public final Map<String, Tensor> stateDict() {
        Map<String, Parameter> params = new LinkedHashMap<>();
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", params, out, Collections.newSetFromMap(new IdentityHashMap<>()));
        return Collections.unmodifiableMap(out);
    }

    private void collect(String prefix, Map<String, Parameter> params, Map<String, Tensor> state, Set<Object> seen) {
        for (Parameter p : ownParameters()) {
            if (!seen.add(p)) continue;
            params.put(prefix + p.name(), p);
            if (state != null) state.put(prefix + p.name(), p.value());
        }
        if (state != null) ownBuffers().forEach((n, t) -> state.put(prefix + n, t));
        for (Child c : children()) c.layer().collect(prefix + c.name() + ".", params, state, seen);
    }

    /**
     * Copies {@code state} (a state dict, for example of a PyTorch model read from safetensors) into
     * this model's parameters and buffers. Every entry is checked first: a shape or type that does
     * not fit, and with {@code strict} a missing or an unexpected name, fails with one
     * IllegalArgumentException naming each problem, and nothing is changed.
     */
    public final void loadStateDict(Map<String, Tensor> state, boolean strict) {
        java.util.Objects.requireNonNull(state, "state");
        Map<String, Tensor> mine = stateDict();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : mine.entrySet()) {
            Tensor src = state.get(e.getKey());
            Tensor dst = e.getValue();
            if (src == null) {
                if (strict) problems.add("missing " + e.getKey() + " " + dst.dtype() + dst.shapeString());
            } else if (!Arrays.equals(src.shape(), dst.shape())) {
                problems.add(e.getKey() + " has shape " + src.shapeString() + " but the model's is " + dst.shapeString());
            } else if (src.dtype() != dst.dtype()) {
                problems.add(e.getKey() + " is " + src.dtype() + " but the model's is " + dst.dtype());
            } else if (src.isClosed()) {
                problems.add(e.getKey() + " is closed");
            }
        }
        if (strict) {
            for (String key : state.keySet()) if (!mine.containsKey(key)) problems.add("unexpected " + key);
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(name + ": the state dict does not fit this model (" + problems.size() + " problem"
                    + (problems.size() == 1 ? "" : "s") + "): " + String.join("; ", problems));
        }
        for (Map.Entry<String, Tensor> e : mine.entrySet()) {
            Tensor src = state.get(e.getKey());
            if (src != null) e.getValue().copyFrom(src);
        }
        stateLoaded();
    }

    private void stateLoaded() {
        onStateLoaded();
        for (Child c : children()) c.layer().stateLoaded();
    }

    /** Called after {@link #loadStateDict} wrote this layer's buffers, for layers that keep a copy of one in Java. */
    protected void onStateLoaded() {}

    /** Re-initialises the parameters from {@code rng}: own ones by {@link #resetOwnParameters}, then each child's. */
    public final void resetParameters(SplittableRandom rng) {
        resetOwnParameters(rng);
        for (Child c : children()) c.layer().resetParameters(rng.split());
    }

    /** Re-initialises the parameters from a seed; the same seed gives the same parameters. */
    public final void resetParameters(long seed) {
        resetParameters(new SplittableRandom(seed));
    }

    /** Re-initialises this layer's own parameters (no-op for layers without any). */
    protected void resetOwnParameters(SplittableRandom rng) {}

    /** Training mode (dropout active, batch statistics, state kept for backward) or evaluation mode, for the whole subtree. */
    public void train(boolean on) {
        training = on;
        // By index: an iterator per layer per step would be allocated (the recursion defeats escape analysis).
        List<Child> children = children();
        for (int i = 0; i < children.size(); i++) children.get(i).layer().train(on);
    }

    public final void eval() {
        train(false);
    }

    public boolean isTraining() {
        return training;
    }

    /** Number of trainable scalars. */
    public long parameterCount() {
        long n = 0;
        for (Parameter p : parameters()) n += p.numel();
        return n;
    }

    @Override
    public void close() {
        guard.enter(name, "close");
        try {
            if (closed) return;
            closed = true;
            closeContents();
            if (heldInput != null) heldInput.release();
            heldInput = null;
            keptForward(false);
        } finally {
            guard.exit();
        }
    }

    /** Frees what the layer holds: its parameters, buffers, activations and children. */
    private void closeContents() {
        for (Parameter p : ownParameters()) p.close();
        ownBuffers().values().forEach(Tensor::close);
        releaseBuffers();
        for (Child c : children()) c.layer().close();
    }

    /** Frees the layer's own activation buffers; called by close() and to(). */
    protected void releaseBuffers() {}

    protected final void checkNotClosed() {
        if (closed) throw new IllegalStateException(name + ": layer is closed");
    }

    // ------------------------------------------------------------------ helpers for subclasses

    /**
     * Checks x is an open float32 tensor and returns this layer's output shape for it: the same
     * array as long as the input shape stays the same (no allocation per step); never modify it.
     */
    protected final long[] checkInput(Tensor x) {
        checkNotClosed();
        if (x == null) throw new IllegalArgumentException(name + ": input is null");
        x.checkOpen();
        if (x.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException(name + ": expected a FLOAT32 input, got " + x.dtype() + x.shapeString());
        }
        if (!x.device().equals(device) && !ownParameters().isEmpty()) {
            throw new IllegalArgumentException(name + ": input " + x.shapeString() + " is on " + x.device()
                    + " but the layer's parameters are on " + device + "; move one of them with to(" + x.device() + ")");
        }
        long[] in = Shapes.of(x);
        if (in != shapeMemoIn && !Arrays.equals(in, shapeMemoIn)) {
            shapeMemoOut = outputShape(in);
            shapeMemoIn = in;
        }
        return shapeMemoOut;
    }

    /**
     * Checks the arguments of a per-sample norm function (input x, output gradient dy of the shape {@code out} that
     * x gives, and sq, FLOAT32 [batch] on their device) and returns the batch size.
     */
    protected final long checkPerSampleNorms(String op, Tensor x, long[] out, Tensor dy, Tensor sq) {
        if (dy == null || sq == null) throw new IllegalArgumentException(name + "." + op + ": output gradient and sq must not be null");
        dy.checkOpen();
        sq.checkOpen();
        if (!dy.device().equals(x.device()) || dy.dtype() != DType.FLOAT32 || !Arrays.equals(Shapes.of(dy), out)) {
            throw new IllegalArgumentException(name + "." + op + ": expected an output gradient FLOAT32" + shape(out) + " on " + x.device()
                    + " for input " + x.shapeString() + ", got " + dy.dtype() + dy.shapeString() + " on " + dy.device());
        }
        long batch = out[0];
        if (!sq.device().equals(x.device()) || sq.dtype() != DType.FLOAT32 || sq.dim() != 1 || sq.size(0) != batch) {
            throw new IllegalArgumentException(name + "." + op + ": sq must be FLOAT32 [" + batch + "] on " + x.device() + ", got "
                    + sq.dtype() + sq.shapeString() + " on " + sq.device());
        }
        return batch;
    }

    /** Checks dy matches the output of the last forward pass (which must have happened in training mode). */
    protected final void checkGradient(Tensor dy, Tensor lastInput, long[] expectedShape) {
        checkNotClosed();
        if (lastInput == null) {
            throw new IllegalStateException(name + ": backward() called without a forward() in training mode");
        }
        if (dy == null) throw new IllegalArgumentException(name + ": output gradient is null");
        dy.checkOpen();
        if (dy.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException(name + ": expected a FLOAT32 output gradient, got " + dy.dtype() + dy.shapeString());
        }
        if (!dy.device().equals(lastInput.device())) {
            throw new IllegalArgumentException(name + ": output gradient is on " + dy.device()
                    + " but the last forward pass ran on " + lastInput.device());
        }
        if (!Arrays.equals(Shapes.of(dy), expectedShape)) {
            throw new IllegalArgumentException(name + ": output gradient has shape " + dy.shapeString()
                    + " but the output of the last forward pass has shape " + Arrays.toString(expectedShape));
        }
    }

    /**
     * Returns {@code current} if it is open, on {@code device} and of the shape, else a fresh
     * layer-owned float32 tensor there.
     */
    protected static Tensor reuse(Tensor current, Device device, long[] shape) {
        return reuse(current, device, DType.FLOAT32, shape);
    }

    protected static Tensor reuse(Tensor current, Device device, DType dtype, long[] shape) {
        if (current != null && !current.isClosed() && current.dtype() == dtype && current.device().equals(device)
                && Arrays.equals(Shapes.of(current), shape)) {
            return current;
        }
        if (current != null) current.close();
        return Tensor.emptyUnscoped(device, dtype, shape);
    }

    protected static void closeAll(Tensor... tensors) {
        for (Tensor t : tensors) {
            if (t != null) t.close();
        }
    }

    protected static String shape(long[] s) {
        return Arrays.toString(s);
    }

    /** The layer as PyTorch prints a module: "conv1: Conv2d(1, 32, kernel=5x5, ...)", the path first where there is one. */
    @Override
    public final String toString() {
        return path.isEmpty() ? describe() : path + ": " + describe();
    }

    /** What the layer is and its options ("Conv2d(1, 32, kernel=5x5, stride=1x1, padding=2x2)"); a container lists its children. */
    protected String describe() {
        if (children().isEmpty()) return kind + "()";
        StringBuilder sb = new StringBuilder(kind).append("(\n");
        for (Child c : children()) sb.append("  ").append(c.layer()).append('\n');
        return sb.append(')').toString();
    }
}
