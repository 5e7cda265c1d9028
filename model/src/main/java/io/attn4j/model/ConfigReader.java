package io.attn4j.model;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Strict reading of one JSON object of a model config (as {@link io.attn4j.engine.internal.Json} parses
 * it): every key read is ticked off, and {@link #finish()} rejects the keys nobody asked for, so a
 * typo is an error rather than a silently ignored setting. Every error is an
 * {@link IllegalArgumentException} of the form {@code "<source>: <key path>: expected ..., got ..."}.
 */
final class ConfigReader {
    /** Largest size a config may state; bigger ones are typos or hostile, and would overflow buffers. */
    static final long MAX_SIZE = 1 << 20;

    private final String source;
    private final String path;
    private final Map<?, ?> object;
    private final Set<String> read = new LinkedHashSet<>();

    private ConfigReader(String source, String path, Map<?, ?> object) {
        this.source = source;
        this.path = path;
        this.object = object;
    }

    /** A reader over the top-level value, which must be an object. */
    static ConfigReader root(String source, Object value) {
        if (!(value instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException(source + ": expected a JSON object, got " + show(value));
        }
        return new ConfigReader(source, "", map);
    }

    boolean has(String key) {
        return object.containsKey(key) && object.get(key) != null;
    }

    String string(String key) {
        Object v = required(key);
        if (!(v instanceof String s)) {
            throw error(key, "expected a string", v);
        }
        return s;
    }

    String string(String key, String absent) {
        return has(key) ? string(key) : tick(key, absent);
    }

    /** One of {@code choices} (the JSON spellings), as its index. */
    int choice(String key, List<String> choices) {
        Object v = required(key);
        int i = v instanceof String s ? choices.indexOf(s) : -1;
        if (i < 0) {
            throw error(key, "expected one of " + String.join(", ", choices), v);
        }
        return i;
    }

    int choice(String key, List<String> choices, int absent) {
        return has(key) ? choice(key, choices) : tick(key, absent);
    }

    /** An integer in {@code [1, MAX_SIZE]}. */
    int positive(String key) {
        Object v = required(key);
        if (!(v instanceof Long l) || l < 1 || l > MAX_SIZE) {
            throw error(key, "expected a positive integer" + (v instanceof Long ? " up to " + MAX_SIZE : ""), v);
        }
        return (int) (long) l;
    }

    int positive(String key, int absent) {
        return has(key) ? positive(key) : tick(key, absent);
    }

    boolean bool(String key, boolean absent) {
        if (!has(key)) {
            return tick(key, absent);
        }
        Object v = required(key);
        if (!(v instanceof Boolean b)) {
            throw error(key, "expected true or false", v);
        }
        return b;
    }

    /** A finite number, or null when absent. */
    Float number(String key) {
        if (!has(key)) {
            return tick(key, null);
        }
        Object v = required(key);
        if (!(v instanceof Number n) || !Float.isFinite(n.floatValue())) {
            throw error(key, "expected a finite number", v);
        }
        return n.floatValue();
    }

    ConfigReader object(String key) {
        Object v = required(key);
        if (!(v instanceof Map<?, ?> map)) {
            throw error(key, "expected an object", v);
        }
        return new ConfigReader(source, at(key), map);
    }

    /** The object under {@code key}, or null when the key is absent or null. */
    ConfigReader optionalObject(String key) {
        return has(key) ? object(key) : tick(key, null);
    }

    /** A non-empty array of objects. */
    List<ConfigReader> objects(String key) {
        Object v = required(key);
        if (!(v instanceof List<?> list) || list.isEmpty()) {
            throw error(key, "expected a non-empty array of objects", v);
        }
        List<ConfigReader> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof Map<?, ?> map)) {
                throw error(key + "[" + i + "]", "expected an object", list.get(i));
            }
            out.add(new ConfigReader(source, at(key) + "[" + i + "]", map));
        }
        return out;
    }

    /** Rejects every key that was not read. */
    void finish() {
        for (Object key : object.keySet()) {
            if (!read.contains(key)) {
                throw new IllegalArgumentException(source + ": " + at(String.valueOf(key)) + ": unknown key (allowed: "
                        + String.join(", ", read) + ")");
            }
        }
    }

    /** An error about {@code key} of this object that is not about its JSON type. */
    IllegalArgumentException error(String key, String message) {
        return new IllegalArgumentException(source + ": " + at(key) + ": " + message);
    }

    private IllegalArgumentException error(String key, String expected, Object got) {
        return error(key, expected + ", got " + show(got));
    }

    private Object required(String key) {
        read.add(key);
        if (!object.containsKey(key)) {
            throw error(key, "missing");
        }
        return object.get(key);
    }

    private <T> T tick(String key, T absent) {
        read.add(key);
        return absent;
    }

    private String at(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** A value as the user wrote it: strings quoted, so that {@code "64"} and {@code 64} differ. */
    private static String show(Object v) {
        return switch (v) {
            case null -> "null";
            case String s -> "\"" + s + "\"";
            case Map<?, ?> m -> "an object";
            case List<?> l -> "an array";
            default -> String.valueOf(v);
        };
    }
}
