package dev.anvil.infer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anvil.nn.AdaptiveAvgPool2d;
import dev.anvil.nn.AvgPool2d;
import dev.anvil.nn.BatchNorm;
import dev.anvil.nn.BatchNorm1d;
import dev.anvil.nn.BatchNorm2d;
import dev.anvil.nn.Concat;
import dev.anvil.nn.Conv2d;
import dev.anvil.nn.Dropout;
import dev.anvil.nn.ELU;
import dev.anvil.nn.Flatten;
import dev.anvil.nn.GELU;
import dev.anvil.nn.GroupNorm;
import dev.anvil.nn.Hardswish;
import dev.anvil.nn.Identity;
import dev.anvil.nn.Layer;
import dev.anvil.nn.LeakyReLU;
import dev.anvil.nn.Linear;
import dev.anvil.nn.LogSoftmax;
import dev.anvil.nn.MaxPool2d;
import dev.anvil.nn.ReLU;
import dev.anvil.nn.Residual;
import dev.anvil.nn.Sequential;
import dev.anvil.nn.SiLU;
import dev.anvil.nn.Sigmoid;
import dev.anvil.nn.Softmax;
import dev.anvil.nn.Tanh;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A model's architecture as JSON, and the model rebuilt from it: every built-in layer with its
 * settings, and the compositions (Sequential, Residual, Concat) with their children's names, so
 * that the rebuilt model has the same state-dict keys. Parameters are not part of it (they travel
 * as safetensors; see {@link ModelFile}).
 *
 * <pre>{@code
 * {"kind":"Sequential","children":[{"name":"conv1","layer":{"kind":"Conv2d","in_channels":1,"out_channels":32,
 *   "kernel_size":[5,5],"stride":[1,1],"padding":[2,2],"dilation":[1,1],"groups":1,"bias":true}}, ...]}
 * }</pre>
 *
 * Plug-in layers and layers defined outside Anvil have no description: {@link #describe} names
 * them in an IllegalArgumentException.
 */
public final class Architecture {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Supplier<Layer>> PLAIN = Map.of("ReLU", ReLU::new, "Sigmoid", Sigmoid::new, "Tanh", Tanh::new,
            "SiLU", SiLU::new, "Hardswish", Hardswish::new, "Identity", Identity::new, "Flatten", Flatten::new);
    private static final Map<Class<?>, String> PLAIN_CLASSES = Map.of(ReLU.class, "ReLU", Sigmoid.class, "Sigmoid", Tanh.class, "Tanh",
            SiLU.class, "SiLU", Hardswish.class, "Hardswish", Identity.class, "Identity", Flatten.class, "Flatten");

    private Architecture() {}

    /** The JSON description of {@code model}. */
    public static String describe(Layer model) {
        Objects.requireNonNull(model, "model");
        try {
            return JSON.writeValueAsString(node(model, "model"));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A new model (fresh parameters) from a description of {@link #describe}.
     *
     * @throws IllegalArgumentException naming the part of the description that is wrong
     */
    public static Layer build(String json) {
        Objects.requireNonNull(json, "json");
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the architecture is not valid JSON: " + e.getOriginalMessage());
        }
        return layer(root, "model");
    }

    private static ObjectNode node(Layer l, String path) {
        ObjectNode n = JSON.createObjectNode();
        Map<String, ?> params = l.namedParameters();
        if (l instanceof Sequential s) {
            n.put("kind", "Sequential");
            n.set("children", children(s.children(), path));
        } else if (l instanceof Concat c) {
            n.put("kind", "Concat");
            n.set("children", children(c.children(), path));
        } else if (l instanceof Residual r) {
            n.put("kind", "Residual");
            n.set("main", children(r.mainPath(), path));
            if (r.shortcut() != null) n.set("shortcut", child(r.shortcut(), path));
            // A merge in place of the addition (a plug-in op) has no description here: child() refuses it, naming it.
            if (r.merge() != null) n.set("merge", child(r.merge(), path));
            if (r.after() != null) n.set("after", child(r.after(), path));
        } else if (l instanceof Conv2d c) {
            long[] w = l.stateDict().get("weight").shape();
            n.put("kind", "Conv2d").put("in_channels", w[1] * c.groups()).put("out_channels", w[0]);
            ints(n, "kernel_size", c.kernelSize());
            ints(n, "stride", c.stride());
            ints(n, "padding", c.padding());
            ints(n, "dilation", c.dilation());
            n.put("groups", c.groups()).put("bias", params.containsKey("bias"));
        } else if (l instanceof Linear) {
            long[] w = l.stateDict().get("weight").shape();
            n.put("kind", "Linear").put("in_features", w[1]).put("out_features", w[0]).put("bias", params.containsKey("bias"));
        } else if (l instanceof BatchNorm b) {
            n.put("kind", l instanceof BatchNorm2d ? "BatchNorm2d" : "BatchNorm1d").put("num_features", b.features()).put("eps", b.eps())
                    .put("momentum", b.momentum()).put("affine", params.containsKey("weight"))
                    .put("track_running_stats", l.stateDict().containsKey("running_mean"));
        } else if (l instanceof GroupNorm g) {
            n.put("kind", "GroupNorm").put("num_groups", g.numGroups()).put("num_channels", g.numChannels()).put("eps", g.eps())
                    .put("affine", params.containsKey("weight"));
        } else if (l instanceof LeakyReLU a) {
            n.put("kind", "LeakyReLU").put("negative_slope", a.negativeSlope());
        } else if (l instanceof ELU a) {
            n.put("kind", "ELU").put("alpha", a.alpha());
        } else if (l instanceof GELU a) {
            n.put("kind", "GELU").put("approximate", a.approximate());
        } else if (l instanceof Softmax a) {
            n.put("kind", "Softmax").put("dim", a.dim());
        } else if (l instanceof LogSoftmax a) {
            n.put("kind", "LogSoftmax").put("dim", a.dim());
        } else if (l instanceof Dropout d) {
            n.put("kind", "Dropout").put("p", d.p());
        } else if (l instanceof MaxPool2d p) {
            n.put("kind", "MaxPool2d");
            ints(n, "kernel_size", p.kernelSize());
            ints(n, "stride", p.stride());
            ints(n, "padding", p.padding());
            n.put("ceil_mode", p.ceilMode());
        } else if (l instanceof AvgPool2d p) {
            n.put("kind", "AvgPool2d");
            ints(n, "kernel_size", p.kernelSize());
            ints(n, "stride", p.stride());
            ints(n, "padding", p.padding());
            n.put("ceil_mode", p.ceilMode()).put("count_include_pad", p.countIncludePad());
        } else if (l instanceof AdaptiveAvgPool2d p) {
            n.put("kind", "AdaptiveAvgPool2d");
            ints(n, "output_size", p.outputSize());
        } else if (PLAIN_CLASSES.containsKey(l.getClass())) {
            n.put("kind", PLAIN_CLASSES.get(l.getClass()));
        } else {
            throw new IllegalArgumentException("architecture: " + path + " (" + l.kind() + ", " + l.getClass().getName()
                    + ") is not a built-in layer; only built-in layers and compositions can be described");
        }
        return n;
    }

    private static ArrayNode children(List<Layer.Child> children, String path) {
        ArrayNode a = JSON.createArrayNode();
        for (Layer.Child c : children) a.add(child(c, path));
        return a;
    }

    private static ObjectNode child(Layer.Child c, String path) {
        ObjectNode n = JSON.createObjectNode();
        n.put("name", c.name());
        n.set("layer", node(c.layer(), path + "." + c.name()));
        return n;
    }

    private static void ints(ObjectNode n, String key, int[] v) {
        ArrayNode a = n.putArray(key);
        for (int x : v) a.add(x);
    }

    private static Layer layer(JsonNode n, String path) {
        if (n == null || !n.isObject()) throw bad(path, "is not an object");
        String kind = text(n, "kind", path);
        List<Layer> made = new ArrayList<>();
        try {
            switch (kind) {
                case "Sequential" -> {
                    Sequential s = new Sequential();
                    made.add(s);
                    for (JsonNode c : array(n, "children", path)) s.add(text(c, "name", path), layer(c.get("layer"), path + "." + c.get("name").asText()));
                    return s;
                }
                case "Concat" -> {
                    Concat.Builder b = Concat.builder();
                    for (JsonNode c : array(n, "children", path)) b.add(c.get("name").asText(), child(c, path, made));
                    return b.build();
                }
                case "Residual" -> {
                    Residual.Builder b = Residual.builder();
                    for (JsonNode c : array(n, "main", path)) b.add(c.get("name").asText(), child(c, path, made));
                    if (n.hasNonNull("shortcut")) b.shortcut(n.get("shortcut").get("name").asText(), child(n.get("shortcut"), path, made));
                    if (n.hasNonNull("after")) b.after(n.get("after").get("name").asText(), child(n.get("after"), path, made));
                    return b.build();
                }
                case "Conv2d" -> {
                    int[] k = pair(n, "kernel_size", path), s = pair(n, "stride", path), p = pair(n, "padding", path), d = pair(n, "dilation", path);
                    return Conv2d.builder(integer(n, "in_channels", path), integer(n, "out_channels", path), k[0], k[1]).stride(s[0], s[1])
                            .padding(p[0], p[1]).dilation(d[0], d[1]).groups(integer(n, "groups", path)).bias(bool(n, "bias", path)).build();
                }
                case "Linear" -> { return new Linear(integer(n, "in_features", path), integer(n, "out_features", path), bool(n, "bias", path)); }
                case "BatchNorm1d", "BatchNorm2d" -> {
                    int f = integer(n, "num_features", path);
                    double eps = number(n, "eps", path), m = number(n, "momentum", path);
                    boolean affine = bool(n, "affine", path), track = bool(n, "track_running_stats", path);
                    return kind.equals("BatchNorm2d") ? new BatchNorm2d(f, eps, m, affine, track) : new BatchNorm1d(f, eps, m, affine, track);
                }
                case "GroupNorm" -> { return new GroupNorm(integer(n, "num_groups", path), integer(n, "num_channels", path), number(n, "eps", path),
                            bool(n, "affine", path)); }
                case "LeakyReLU" -> { return new LeakyReLU(number(n, "negative_slope", path)); }
                case "ELU" -> { return new ELU(number(n, "alpha", path)); }
                case "GELU" -> { return new GELU(text(n, "approximate", path)); }
                case "Softmax" -> { return new Softmax(integer(n, "dim", path)); }
                case "LogSoftmax" -> { return new LogSoftmax(integer(n, "dim", path)); }
                case "Dropout" -> { return new Dropout(number(n, "p", path)); }
                case "MaxPool2d" -> {
                    int[] k = pair(n, "kernel_size", path), s = pair(n, "stride", path), p = pair(n, "padding", path);
                    return new MaxPool2d(k[0], k[1], s[0], s[1], p[0], p[1], bool(n, "ceil_mode", path));
                }
                case "AvgPool2d" -> {
                    int[] k = pair(n, "kernel_size", path), s = pair(n, "stride", path), p = pair(n, "padding", path);
                    return new AvgPool2d(k[0], k[1], s[0], s[1], p[0], p[1], bool(n, "ceil_mode", path), bool(n, "count_include_pad", path));
                }
                case "AdaptiveAvgPool2d" -> {
                    int[] o = pair(n, "output_size", path);
                    return new AdaptiveAvgPool2d(o[0], o[1]);
                }
                default -> {
                    Supplier<Layer> plain = PLAIN.get(kind);
                    if (plain == null) throw bad(path, "has unknown kind \"" + kind + "\"");
                    return plain.get();
                }
            }
        } catch (RuntimeException e) {
            made.forEach(Layer::close);
            if (e.getMessage() != null && e.getMessage().startsWith("architecture: ")) throw e;
            throw bad(path, "(" + kind + ") cannot be built: " + e.getMessage());
        }
    }

    /** The layer of a {"name", "layer"} entry, remembered in {@code made} so that a later failure closes it. */
    private static Layer child(JsonNode entry, String path, List<Layer> made) {
        Layer l = layer(entry.get("layer"), path + "." + text(entry, "name", path));
        made.add(l);
        return l;
    }

    private static IllegalArgumentException bad(String path, String why) {
        return new IllegalArgumentException("architecture: " + path + " " + why);
    }

    private static String text(JsonNode n, String key, String path) {
        JsonNode v = n == null ? null : n.get(key);
        if (v == null || !v.isTextual()) throw bad(path, "needs a string \"" + key + "\"");
        return v.textValue();
    }

    private static int integer(JsonNode n, String key, String path) {
        JsonNode v = n.get(key);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) throw bad(path, "needs an integer \"" + key + "\"");
        return v.intValue();
    }

    private static double number(JsonNode n, String key, String path) {
        JsonNode v = n.get(key);
        if (v == null || !v.isNumber()) throw bad(path, "needs a number \"" + key + "\"");
        return v.doubleValue();
    }

    private static boolean bool(JsonNode n, String key, String path) {
        JsonNode v = n.get(key);
        if (v == null || !v.isBoolean()) throw bad(path, "needs a boolean \"" + key + "\"");
        return v.booleanValue();
    }

    private static int[] pair(JsonNode n, String key, String path) {
        JsonNode v = n.get(key);
        if (v == null || !v.isArray() || v.size() != 2 || !v.get(0).isIntegralNumber() || !v.get(1).isIntegralNumber()) {
            throw bad(path, "needs a pair of integers \"" + key + "\"");
        }
        return new int[] {v.get(0).intValue(), v.get(1).intValue()};
    }

    private static JsonNode array(JsonNode n, String key, String path) {
        JsonNode v = n.get(key);
        if (v == null || !v.isArray()) throw bad(path, "needs an array \"" + key + "\"");
        return v;
    }
}
