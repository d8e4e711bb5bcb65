package dev.anvil.tune.storage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anvil.tune.Direction;
import dev.anvil.tune.TrialState;
import dev.anvil.tune.WorkerId;
import dev.anvil.tune.space.SpaceJson;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/** Events to and from one line of JSON: the only code that writes or reads a journal's lines. */
public final class EventCodec {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Journal format; a reader refuses a newer one. */
    public static final int FORMAT = 1;

    private EventCodec() {}

    public static String encode(Event e) {
        ObjectNode n = MAPPER.createObjectNode();
        if (e instanceof Event.StudyCreated s) {
            n.put("op", "study").put("format", FORMAT).put("name", s.name()).put("direction", s.direction().name().toLowerCase())
                    .put("seed", s.seed()).put("time", s.time());
            n.set("space", SpaceJson.toJson(s.space()));
            if (!s.meta().isEmpty()) {
                ObjectNode m = n.putObject("meta");
                s.meta().forEach(m::put);
            }
        } else if (e instanceof Event.TrialAsked a) {
            n.put("op", "ask").put("trial", a.trial()).put("time", a.time());
            ObjectNode p = n.putObject("params");
            a.params().forEach((k, v) -> SpaceJson.putScalar(p, k, v));
            if (!a.attrs().isEmpty()) {
                ObjectNode at = n.putObject("attrs");
                a.attrs().forEach(at::put);
            }
            n.putObject("worker").put("host", a.worker().host()).put("pid", a.worker().pid()).put("start", a.worker().startMillis());
        } else if (e instanceof Event.TrialReported r) {
            n.put("op", "report").put("trial", r.trial()).put("step", r.step());
            putNumber(n, "value", r.value());
            n.put("time", r.time());
        } else if (e instanceof Event.Heartbeat h) {
            n.put("op", "heartbeat").put("trial", h.trial()).put("time", h.time());
        } else if (e instanceof Event.TrialAttr a) {
            n.put("op", "attr").put("trial", a.trial()).put("key", a.key()).put("value", a.value()).put("time", a.time());
        } else {
            Event.TrialTold t = (Event.TrialTold) e;
            n.put("op", "tell").put("trial", t.trial()).put("state", t.state().name().toLowerCase());
            if (t.value() != null) putNumber(n, "value", t.value());
            if (t.reason() != null) n.put("reason", t.reason());
            n.put("time", t.time());
        }
        try {
            return MAPPER.writeValueAsString(n);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("cannot encode " + e, ex);
        }
    }

    /** JSON has no NaN or infinity: they are written as strings. */
    private static void putNumber(ObjectNode n, String key, double v) {
        if (Double.isFinite(v)) n.put(key, v);
        else n.put(key, Double.toString(v));
    }

    private static double number(JsonNode n, String key) {
        JsonNode v = need(n, key);
        if (v.isNumber()) return v.asDouble();
        if (v.isTextual()) {
            switch (v.asText()) {
                case "NaN": return Double.NaN;
                case "Infinity": return Double.POSITIVE_INFINITY;
                case "-Infinity": return Double.NEGATIVE_INFINITY;
                default: break;
            }
        }
        throw new IllegalArgumentException("\"" + key + "\" is not a number: " + v);
    }

    private static JsonNode need(JsonNode n, String key) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) throw new IllegalArgumentException("missing \"" + key + "\"");
        return v;
    }

    /**
     * Parses one line.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static Event decode(String line) {
        JsonNode n;
        try {
            n = MAPPER.readTree(line);
        } catch (JsonProcessingException ex) {
            throw new IllegalArgumentException("not JSON: " + ex.getOriginalMessage());
        }
        if (n == null || !n.isObject()) throw new IllegalArgumentException("not a JSON object");
        String op = need(n, "op").asText();
        long time = n.path("time").asLong(0);
        switch (op) {
            case "study": {
                int format = need(n, "format").asInt();
                if (format > FORMAT) throw new IllegalArgumentException("journal format " + format + " is newer than this reader's (" + FORMAT + ")");
                Map<String, String> meta = new LinkedHashMap<>();
                n.path("meta").fields().forEachRemaining(e -> meta.put(e.getKey(), e.getValue().asText()));
                return new Event.StudyCreated(need(n, "name").asText(), Direction.parse(need(n, "direction").asText()),
                        SpaceJson.parse(need(n, "space")), need(n, "seed").asLong(), meta, time);
            }
            case "ask": {
                Map<String, Object> params = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = need(n, "params").fields(); it.hasNext();) {
                    Map.Entry<String, JsonNode> e = it.next();
                    params.put(e.getKey(), SpaceJson.scalar(e.getValue()));
                }
                Map<String, String> attrs = new LinkedHashMap<>();
                n.path("attrs").fields().forEachRemaining(e -> attrs.put(e.getKey(), e.getValue().asText()));
                JsonNode w = need(n, "worker");
                return new Event.TrialAsked(trial(n), params, attrs,
                        new WorkerId(need(w, "host").asText(), need(w, "pid").asLong(), w.path("start").asLong(0)), time);
            }
            case "report":
                return new Event.TrialReported(trial(n), need(n, "step").asLong(), number(n, "value"), time);
            case "heartbeat":
                return new Event.Heartbeat(trial(n), time);
            case "attr":
                return new Event.TrialAttr(trial(n), need(n, "key").asText(), need(n, "value").asText(), time);
            case "tell": {
                TrialState state = TrialState.valueOf(need(n, "state").asText().toUpperCase());
                Double value = n.has("value") ? number(n, "value") : null;
                return new Event.TrialTold(trial(n), state, value, n.has("reason") ? n.get("reason").asText() : null, time);
            }
            default:
                throw new IllegalArgumentException("unknown op \"" + op + "\"");
        }
    }

    private static int trial(JsonNode n) {
        JsonNode v = need(n, "trial");
        if (!v.canConvertToInt() || v.asInt() < 0) throw new IllegalArgumentException("bad trial number " + v);
        return v.asInt();
    }
}
