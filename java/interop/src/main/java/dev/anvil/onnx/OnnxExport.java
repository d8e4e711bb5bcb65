package dev.anvil.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.AttributeProto.AttributeType;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.anvil.Anvil;
import dev.anvil.DType;
import dev.anvil.Tensor;
import dev.anvil.io.TensorIo;
import dev.anvil.nn.AdaptiveAvgPool2d;
import dev.anvil.nn.AvgPool2d;
import dev.anvil.nn.BatchNorm;
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
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import shade.com.google.protobuf.ByteString;

/**
 * Exports a model to ONNX (opset {@value #OPSET}, IR version 7) for its evaluation-mode forward
 * pass: Conv, Gemm, BatchNormalization, Relu, LeakyRelu, Elu, HardSwish, Sigmoid, Tanh, SiLU
 * (Sigmoid and Mul), GELU (Erf or Tanh with Mul and Add, as PyTorch defines it), GroupNorm
 * (Reshape, InstanceNormalization, Reshape, Mul, Add), MaxPool, AveragePool, GlobalAveragePool,
 * Flatten, Softmax and LogSoftmax nodes, Add for {@link Residual} blocks, Concat for
 * {@link Concat} blocks, nothing for Dropout and Identity. Weights become initializers named
 * as in the state dict ("conv1.weight"); the input is "input" and the output "output", both
 * float32, with the first dimension symbolic ("batch") so that any batch size runs.
 *
 * <p>The protobuf messages come from ONNX's own schema, compiled to Java classes
 * ({@code com.microsoft.azure:onnx-protobuf}, which also carries a shaded protobuf runtime): the
 * file is encoded by protobuf, not by hand.
 *
 * <p>A layer without an ONNX mapping here (LeakyReLU, ELU, GELU, Hardswish, GroupNorm, Concat,
 * plug-in layers) fails the export with an {@link IllegalArgumentException} naming its path and
 * kind, before anything is written.
 */
public final class OnnxExport {
    /** The operator set version of exported files. */
    public static final int OPSET = 14;

    private static final int IR_VERSION = 7;
    private static final int FLOAT = TensorProto.DataType.FLOAT.getNumber();

    private OnnxExport() {}

    /**
     * Writes the model as ONNX to {@code path} for inputs of shape {@code sampleShape} (one
     * sample, without the batch dimension: {@code 1, 28, 28}).
     */
    public static void export(Layer model, Path path, long... sampleShape) throws IOException {
        Objects.requireNonNull(path, "path");
        byte[] bytes = toBytes(model, sampleShape);
        Path dir = path.toAbsolutePath().getParent();
        if (dir != null) Files.createDirectories(dir);
        Path tmp = TensorIo.createSibling(path);
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                out.write(bytes);
            }
            TensorIo.moveIntoPlace(tmp, path);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The ONNX model as bytes (a serialised {@code ModelProto}). */
    public static byte[] toBytes(Layer model, long... sampleShape) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(sampleShape, "sampleShape");
        for (long d : sampleShape) {
            if (d <= 0) throw new IllegalArgumentException("sample dimensions must be positive, got " + Arrays.toString(sampleShape));
        }
        long[] in = new long[sampleShape.length + 1];
        in[0] = 1;
        System.arraycopy(sampleShape, 0, in, 1, sampleShape.length);
        Graph g = new Graph(model);
        Value out = g.emit(model, "", new Value("input", in));
        if (out.name().equals("input")) out = g.node("Identity", "", new String[] {"input"}, out.shape());
        g.graph.addInput(valueInfo("input", in));
        g.graph.addOutput(valueInfo("output", out.shape()));
        g.rename(out.name(), "output");
        g.graph.setName(model.name());
        return ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setProducerName("anvil")
                .setProducerVersion(Anvil.version())
                .setGraph(g.graph)
                .build()
                .toByteArray();
    }

    /** A named intermediate result and its shape (batch 1). */
    private record Value(String name, long[] shape) {}

    private static final class Graph {
        final GraphProto.Builder graph = GraphProto.newBuilder();
        final Map<String, Tensor> state;
        int counter;

        Graph(Layer model) {
            this.state = model.stateDict();
        }

        Value emit(Layer layer, String path, Value x) {
            long[] outShape;
            try {
                outShape = layer.outputShape(x.shape());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("ONNX export: " + describe(layer, path) + " does not take input " + Arrays.toString(x.shape())
                        + ": " + e.getMessage(), e);
            }
            String p = path.isEmpty() ? "" : path + ".";
            if (layer instanceof Sequential s) {
                Value v = x;
                for (Layer.Child c : s.children()) v = emit(c.layer(), p + c.name(), v);
                return v;
            }
            if (layer instanceof Residual r) {
                Value m = x;
                for (Layer.Child c : r.mainPath()) m = emit(c.layer(), p + c.name(), m);
                Value s = r.shortcut() == null ? x : emit(r.shortcut().layer(), p + r.shortcut().name(), x);
                if (r.merge() != null) {
                    throw new IllegalArgumentException("ONNX export: " + describe(r.merge().layer(), p + r.merge().name())
                            + ", the merge of a Residual block, has no ONNX mapping: only the addition has");
                }
                Value sum = node("Add", path, new String[] {m.name(), s.name()}, m.shape());
                return r.after() == null ? sum : emit(r.after().layer(), p + r.after().name(), sum);
            }
            if (layer instanceof Dropout || layer instanceof Identity) return x;
            if (layer instanceof Concat c) {
                List<String> parts = new ArrayList<>();
                for (Layer.Child b : c.children()) parts.add(emit(b.layer(), p + b.name(), x).name());
                return finish(start("Concat", path, parts.toArray(String[]::new)).addAttribute(integer("axis", 1)), outShape);
            }
            if (layer instanceof LeakyReLU a) {
                return finish(start("LeakyRelu", path, x.name()).addAttribute(real("alpha", a.negativeSlope())), outShape);
            }
            if (layer instanceof ELU a) return finish(start("Elu", path, x.name()).addAttribute(real("alpha", a.alpha())), outShape);
            if (layer instanceof Hardswish) return node("HardSwish", path, new String[] {x.name()}, outShape);
            if (layer instanceof GELU a) return gelu(a.approximate().equals("tanh"), path, x, outShape);
            if (layer instanceof GroupNorm g) return groupNorm(g, path, p, x, outShape);
            if (layer instanceof Conv2d c) {
                NodeProto.Builder n = start("Conv", path, x.name(), param(p + "weight"));
                if (state.containsKey(p + "bias")) n.addInput(param(p + "bias"));
                int[] pad = c.padding();
                n.addAttribute(ints("kernel_shape", c.kernelSize())).addAttribute(ints("strides", c.stride()))
                        .addAttribute(ints("pads", pad[0], pad[1], pad[0], pad[1])).addAttribute(ints("dilations", c.dilation()))
                        .addAttribute(integer("group", c.groups()));
                return finish(n, outShape);
            }
            if (layer instanceof Linear) {
                if (x.shape().length != 2) {
                    throw new IllegalArgumentException("ONNX export: " + describe(layer, path) + " takes a 2-D input here, got "
                            + Arrays.toString(x.shape()));
                }
                NodeProto.Builder n = start("Gemm", path, x.name(), param(p + "weight"));
                if (state.containsKey(p + "bias")) n.addInput(param(p + "bias"));
                n.addAttribute(integer("transB", 1));
                return finish(n, outShape);
            }
            if (layer instanceof BatchNorm bn) {
                if (!state.containsKey(p + "running_mean")) {
                    throw new IllegalArgumentException("ONNX export: " + describe(layer, path)
                            + " keeps no running statistics (trackRunningStats false), so its evaluation uses batch statistics,"
                            + " which ONNX's BatchNormalization does not");
                }
                String scale, bias;
                if (state.containsKey(p + "weight")) {
                    scale = param(p + "weight");
                    bias = param(p + "bias");
                } else {
                    float[] ones = new float[bn.features()];
                    Arrays.fill(ones, 1f);
                    scale = constant(p + "weight", ones);
                    bias = constant(p + "bias", new float[bn.features()]);
                }
                NodeProto.Builder n = start("BatchNormalization", path, x.name(), scale, bias, param(p + "running_mean"),
                        param(p + "running_var"));
                n.addAttribute(AttributeProto.newBuilder().setName("epsilon").setType(AttributeType.FLOAT).setF((float) bn.eps()));
                return finish(n, outShape);
            }
            if (layer instanceof ReLU) return node("Relu", path, new String[] {x.name()}, outShape);
            if (layer instanceof Sigmoid) return node("Sigmoid", path, new String[] {x.name()}, outShape);
            if (layer instanceof Tanh) return node("Tanh", path, new String[] {x.name()}, outShape);
            if (layer instanceof SiLU) {
                Value s = node("Sigmoid", path, new String[] {x.name()}, outShape);
                return node("Mul", path, new String[] {x.name(), s.name()}, outShape);
            }
            if (layer instanceof Softmax || layer instanceof LogSoftmax) {
                NodeProto.Builder n = start(layer instanceof Softmax ? "Softmax" : "LogSoftmax", path, x.name());
                n.addAttribute(integer("axis", -1));
                return finish(n, outShape);
            }
            if (layer instanceof Flatten) {
                return finish(start("Flatten", path, x.name()).addAttribute(integer("axis", 1)), outShape);
            }
            if (layer instanceof MaxPool2d mp) {
                int[] pad = mp.padding();
                NodeProto.Builder n = start("MaxPool", path, x.name()).addAttribute(ints("kernel_shape", mp.kernelSize()))
                        .addAttribute(ints("strides", mp.stride())).addAttribute(ints("pads", pad[0], pad[1], pad[0], pad[1]))
                        .addAttribute(integer("ceil_mode", mp.ceilMode() ? 1 : 0));
                return finish(n, outShape);
            }
            if (layer instanceof AvgPool2d ap) {
                int[] pad = ap.padding();
                NodeProto.Builder n = start("AveragePool", path, x.name()).addAttribute(ints("kernel_shape", ap.kernelSize()))
                        .addAttribute(ints("strides", ap.stride())).addAttribute(ints("pads", pad[0], pad[1], pad[0], pad[1]))
                        .addAttribute(integer("count_include_pad", ap.countIncludePad() ? 1 : 0))
                        .addAttribute(integer("ceil_mode", ap.ceilMode() ? 1 : 0));
                return finish(n, outShape);
            }
            if (layer instanceof AdaptiveAvgPool2d ap) {
                int[] size = ap.outputSize();
                if (size[0] == 1 && size[1] == 1) return node("GlobalAveragePool", path, new String[] {x.name()}, outShape);
                // Anvil refuses sizes that are not multiples, so the windows are all in / out and do not overlap.
                int kh = (int) (x.shape()[2] / size[0]), kw = (int) (x.shape()[3] / size[1]);
                NodeProto.Builder n = start("AveragePool", path, x.name()).addAttribute(ints("kernel_shape", kh, kw))
                        .addAttribute(ints("strides", kh, kw));
                return finish(n, outShape);
            }
            throw new IllegalArgumentException("ONNX export: " + describe(layer, path) + " has no ONNX mapping; exportable layers: "
                    + "Sequential, Residual, Concat, Conv2d, Linear, BatchNorm1d/2d, GroupNorm, ReLU, LeakyReLU, ELU, GELU, Sigmoid,"
                    + " Tanh, SiLU, Hardswish, Softmax, LogSoftmax, Flatten, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Dropout, Identity");
        }

        private static String describe(Layer layer, String path) {
            return (path.isEmpty() ? "the model" : path) + " (" + layer.kind() + ")";
        }

        /** The initializer of state-dict entry {@code key}, added once; its name. */
        String param(String key) {
            Tensor t = state.get(key);
            if (t == null) throw new IllegalStateException("ONNX export: the state dict has no " + key);
            if (graph.getInitializerList().stream().noneMatch(i -> i.getName().equals(key))) {
                if (t.dtype() != DType.FLOAT32) throw new IllegalStateException("ONNX export: " + key + " is " + t.dtype());
                TensorProto.Builder tp = TensorProto.newBuilder().setName(key).setDataType(FLOAT)
                        .setRawData(ByteString.copyFrom(TensorIo.littleEndianBytes(t)));
                for (long d : t.shape()) tp.addDims(d);
                graph.addInitializer(tp);
            }
            return key;
        }

        String constant(String name, float[] values) {
            return constant(name, values, values.length);
        }

        /** A float initializer of the given dimensions (none: a scalar). */
        String constant(String name, float[] values, long... dims) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(values.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(values);
            TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(FLOAT).setRawData(ByteString.copyFrom(b));
            for (long d : dims) t.addDims(d);
            graph.addInitializer(t);
            return name;
        }

        /** A scalar float initializer with a name of its own. */
        String scalar(String path, float value) {
            return constant((path.isEmpty() ? "" : path + "/") + "const_" + counter++, new float[] {value});
        }

        /**
         * GELU from ONNX 13's operators: 0.5 x (1 + erf(x / sqrt 2)), or with {@code tanh},
         * 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))), as PyTorch defines them.
         */
        Value gelu(boolean tanh, String path, Value x, long[] shape) {
            Value inner;
            if (tanh) {
                Value cube = node("Mul", path, new String[] {node("Mul", path, new String[] {x.name(), x.name()}, shape).name(), x.name()}, shape);
                Value sum = node("Add", path, new String[] {x.name(), node("Mul", path, new String[] {cube.name(), scalar(path, 0.044715f)}, shape).name()},
                        shape);
                inner = node("Tanh", path, new String[] {node("Mul", path, new String[] {sum.name(), scalar(path, (float) Math.sqrt(2 / Math.PI))},
                        shape).name()}, shape);
            } else {
                inner = node("Erf", path, new String[] {node("Mul", path, new String[] {x.name(), scalar(path, (float) (1 / Math.sqrt(2)))}, shape)
                        .name()}, shape);
            }
            Value onePlus = node("Add", path, new String[] {inner.name(), scalar(path, 1f)}, shape);
            Value times = node("Mul", path, new String[] {x.name(), onePlus.name()}, shape);
            return node("Mul", path, new String[] {times.name(), scalar(path, 0.5f)}, shape);
        }

        /**
         * GroupNorm from ONNX 13's operators: the input reshaped to [N, groups, rest], normalised per
         * group by InstanceNormalization (scale 1, bias 0), reshaped back, then the per-channel
         * weight and bias.
         */
        Value groupNorm(GroupNorm g, String path, String p, Value x, long[] shape) {
            int groups = g.numGroups(), c = g.numChannels();
            String grouped = int64(path + "/group_shape", 0, groups, -1);
            Value r = node("Reshape", path, new String[] {x.name(), grouped}, shape);
            float[] ones = new float[groups];
            Arrays.fill(ones, 1f);
            NodeProto.Builder in = start("InstanceNormalization", path, r.name(), constant(path + "/ones", ones), constant(path + "/zeros", new float[groups]));
            in.addAttribute(real("epsilon", g.eps()));
            Value normed = finish(in, shape);
            Value shapeOf = node("Shape", path, new String[] {x.name()}, new long[] {x.shape().length});
            Value back = node("Reshape", path, new String[] {normed.name(), shapeOf.name()}, shape);
            if (!state.containsKey(p + "weight")) return back;
            long[] dims = new long[x.shape().length - 1];
            Arrays.fill(dims, 1);
            dims[0] = c;
            String w = constant(p + "weight", state.get(p + "weight").toFloatArray(), dims);
            String b = constant(p + "bias", state.get(p + "bias").toFloatArray(), dims);
            return node("Add", path, new String[] {node("Mul", path, new String[] {back.name(), w}, shape).name(), b}, shape);
        }

        /** An int64 initializer of the values, one dimension. */
        String int64(String name, long... values) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(values.length * 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            b.asLongBuffer().put(values);
            graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64.getNumber())
                    .addDims(values.length).setRawData(ByteString.copyFrom(b)));
            return name;
        }

        NodeProto.Builder start(String op, String path, String... inputs) {
            String name = (path.isEmpty() ? op : path + "/" + op) + "_" + counter++;
            NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name);
            for (String i : inputs) n.addInput(i);
            return n.addOutput(name + ":0");
        }

        Value finish(NodeProto.Builder n, long[] shape) {
            graph.addNode(n);
            return new Value(n.getOutput(0), shape);
        }

        Value node(String op, String path, String[] inputs, long[] shape) {
            return finish(start(op, path, inputs), shape);
        }

        /** Renames a node output everywhere it appears (the last node's output becomes the graph's). */
        void rename(String from, String to) {
            for (NodeProto.Builder n : graph.getNodeBuilderList()) {
                for (int i = 0; i < n.getOutputCount(); i++) if (n.getOutput(i).equals(from)) n.setOutput(i, to);
                for (int i = 0; i < n.getInputCount(); i++) if (n.getInput(i).equals(from)) n.setInput(i, to);
            }
        }
    }

    private static AttributeProto ints(String name, int... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeType.INTS);
        for (int v : values) a.addInts(v);
        return a.build();
    }

    private static AttributeProto real(String name, double value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.FLOAT).setF((float) value).build();
    }

    private static AttributeProto integer(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.INT).setI(value).build();
    }

    private static ValueInfoProto valueInfo(String name, long[] shape) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        s.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
        for (int i = 1; i < shape.length; i++) s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(shape[i]));
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(FLOAT).setShape(s)))
                .build();
    }
}
