package dev.anvil.tune.space;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A search space as JSON, one object member per parameter in declaration order; the same code
 * reads space files and the space stored at the head of a journal, and writes the latter.
 *
 * <pre>
 * {"optimizer": {"type": "categorical", "choices": ["sgd", "adam"]},
 *  "lr":        {"type": "float", "low": 0.0001, "high": 0.3, "log": true},
 *  "momentum":  {"type": "float", "low": 0.5, "high": 0.99, "when": {"optimizer": ["sgd"]}},
 *  "batch":     {"type": "int", "low": 32, "high": 256, "step": 32}}
 * </pre>
 */
public final class SpaceJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Set<String> FLOAT_KEYS = Set.of("type", "low", "high", "log", "step", "when");
    private static final Set<String> CATEGORICAL_KEYS = Set.of("type", "choices", "when");

    private SpaceJson() {}

    /** Reads a space file. */
    public static SearchSpace read(Path file) throws IOException {
        JsonNode root;
        try {
            root = MAPPER.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("space file " + file + " does not exist");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("space file " + file + " is not valid JSON: " + e.getOriginalMessage());
        }
        try {
            return parse(root);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("space file " + file + ": " + e.getMessage(), e);
        }
    }

    public static SearchSpace parse(JsonNode root) {
        if (root == null || !root.isObject() || root.isEmpty()) {
            throw new IllegalArgumentException("a search space is a JSON object with one member per parameter");
        }
        List<Param> params = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            try {
                params.add(param(e.getKey(), e.getValue()));
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("parameter '" + e.getKey() + "': " + ex.getMessage(), ex);
            }
        }
        return SearchSpace.of(params);
    }

    private static Param param(String name, JsonNode n) {
        if (!n.isObject()) throw new IllegalArgumentException("expected an object with \"type\", got " + n);
        String type = n.path("type").asText("");
        Distribution d = switch (type) {
            case "float" -> {
                checkKeys(n, FLOAT_KEYS);
                yield new FloatDistribution(number(n, "low"), number(n, "high"), n.path("log").asBoolean(false), n.path("step").asDouble(0));
            }
            case "int" -> {
                checkKeys(n, FLOAT_KEYS);
                yield new IntDistribution(whole(n, "low"), whole(n, "high"), n.path("log").asBoolean(false),
                        n.has("step") ? whole(n, "step") : 1);
            }
            case "categorical" -> {
                checkKeys(n, CATEGORICAL_KEYS);
                JsonNode choices = n.get("choices");
                if (choices == null || !choices.isArray()) throw new IllegalArgumentException("\"choices\" must be an array");
                List<Object> list = new ArrayList<>();
                for (JsonNode c : choices) list.add(scalar(c));
                yield new CategoricalDistribution(list);
            }
            default -> throw new IllegalArgumentException("unknown type '" + type + "' (expected float, int or categorical)");
        };
        return new Param(name, d, condition(n.get("when")));
    }

    private static Condition condition(JsonNode when) {
        if (when == null) return null;
        if (!when.isObject() || when.size() != 1) {
            throw new IllegalArgumentException("\"when\" must name one parent: {\"parent\": [values]}, got " + when);
        }
        Map.Entry<String, JsonNode> e = when.fields().next();
        List<Object> values = new ArrayList<>();
        if (e.getValue().isArray()) {
            for (JsonNode v : e.getValue()) values.add(scalar(v));
        } else {
            values.add(scalar(e.getValue()));
        }
        return new Condition(e.getKey(), values);
    }

    private static void checkKeys(JsonNode n, Set<String> allowed) {
        for (Iterator<String> it = n.fieldNames(); it.hasNext();) {
            String k = it.next();
            if (!allowed.contains(k)) throw new IllegalArgumentException("unknown key \"" + k + "\" (allowed: " + allowed + ")");
        }
    }

    private static double number(JsonNode n, String key) {
        JsonNode v = n.get(key);
        if (v == null || !v.isNumber()) throw new IllegalArgumentException("\"" + key + "\" must be a number, got " + v);
        return v.asDouble();
    }

    private static long whole(JsonNode n, String key) {
        double d = number(n, key);
        if (d != Math.rint(d)) throw new IllegalArgumentException("\"" + key + "\" must be a whole number, got " + d);
        return (long) d;
    }

    /** A JSON scalar as Java: String, Boolean, Long or Double. */
    public static Object scalar(JsonNode v) {
        if (v.isTextual()) return v.asText();
        if (v.isBoolean()) return v.asBoolean();
        if (v.isNumber()) return CategoricalDistribution.normalize(v.numberValue());
        throw new IllegalArgumentException("expected a string, number or boolean, got " + v);
    }

    /** Writes a Java scalar into {@code node} under {@code key}. */
    public static void putScalar(ObjectNode node, String key, Object v) {
        if (v instanceof String s) node.put(key, s);
        else if (v instanceof Boolean b) node.put(key, b);
        else if (v instanceof Long l) node.put(key, l);
        else if (v instanceof Integer i) node.put(key, i.longValue());
        else if (v instanceof Number n) node.put(key, n.doubleValue());
        else throw new IllegalArgumentException("cannot write " + v + " as a JSON scalar");
    }

    private static void addScalar(ArrayNode array, Object v) {
        ObjectNode holder = JsonNodeFactory.instance.objectNode();
        putScalar(holder, "v", v);
        array.add(holder.get("v"));
    }

    public static ObjectNode toJson(SearchSpace space) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        for (Param p : space.params()) {
            ObjectNode n = root.putObject(p.name());
            Distribution d = p.distribution();
            if (d instanceof FloatDistribution f) {
                n.put("type", "float").put("low", f.low()).put("high", f.high());
                if (f.log()) n.put("log", true);
                if (f.step() > 0) n.put("step", f.step());
            } else if (d instanceof IntDistribution i) {
                n.put("type", "int").put("low", i.low()).put("high", i.high());
                if (i.log()) n.put("log", true);
                if (i.step() > 1) n.put("step", i.step());
            } else {
                n.put("type", "categorical");
                ArrayNode a = n.putArray("choices");
                for (Object o : ((CategoricalDistribution) d).choices()) addScalar(a, o);
            }
            if (p.condition() != null) {
                ArrayNode a = n.putObject("when").putArray(p.condition().parent());
                for (Object o : p.condition().values()) addScalar(a, o);
            }
        }
        return root;
    }
}
