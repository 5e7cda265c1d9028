package io.attn4j.model.keras;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One Keras layer's {@code config} object, read strictly: every key is either read by the layer's
 * builder, or known not to matter at inference (initializers, regularizers, constraints, dropout
 * rates, ...); {@link #finish} refuses any other key, so an option attn4j does not implement is
 * never ignored silently. Every problem is a {@link Unsupported} naming the layer, its class and
 * the option.
 */
final class LayerConfig {
    /** Keys that do not change what a layer computes at inference. */
    private static final Set<String> INERT = Set.of("name", "trainable", "dtype", "kernel_initializer",
            "bias_initializer", "recurrent_initializer", "kernel_regularizer", "bias_regularizer",
            "recurrent_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint",
            "recurrent_constraint", "seed", "dropout", "recurrent_dropout", "unit_forget_bias", "unroll",
            "use_cudnn", "implementation", "embeddings_initializer", "embeddings_regularizer", "embeddings_constraint",
            "gamma_initializer", "beta_initializer", "gamma_regularizer", "beta_regularizer", "gamma_constraint",
            "beta_constraint", "rate", "noise_shape", "stddev", "l1", "l2", "quantization_config", "input_length",
            "lora_alpha", "synchronized", "autocast", "optional", "sparse", "ragged");

    /** A layer or option attn4j does not run: one message naming the layer, its class and the option. */
    static final class Unsupported extends Exception {
        private static final long serialVersionUID = 1L;

        Unsupported(String layer, String className, String problem) {
            super("layer '" + layer + "' (" + className + "): " + problem);
        }
    }

    final String layer;
    final String className;
    final Map<?, ?> map;
    private final Set<String> read = new LinkedHashSet<>();

    LayerConfig(String layer, String className, Map<?, ?> map) {
        this.layer = layer;
        this.className = className;
        this.map = map;
    }

    Unsupported unsupported(String problem) {
        return new Unsupported(layer, className, problem);
    }

    Unsupported option(String key, Object value, String supported) {
        return unsupported("option " + key + "=" + show(value) + " is not supported" + (supported.isEmpty()
                ? ""
                : " (" + supported + ")"));
    }

    boolean has(String key) {
        return map.containsKey(key) && map.get(key) != null;
    }

    Object raw(String key) {
        read.add(key);
        return map.get(key);
    }

    int positive(String key) throws Unsupported {
        Object v = raw(key);
        if (!(v instanceof Long l) || l < 1 || l > (1 << 24)) {
            throw option(key, v, "a positive integer");
        }
        return (int) (long) l;
    }

    boolean bool(String key, boolean absent) throws Unsupported {
        Object v = raw(key);
        if (v == null) {
            return absent;
        }
        if (!(v instanceof Boolean b)) {
            throw option(key, v, "true or false");
        }
        return b;
    }

    String string(String key, String absent) throws Unsupported {
        Object v = raw(key);
        if (v == null) {
            return absent;
        }
        if (!(v instanceof String s)) {
            throw option(key, v, "a string");
        }
        return s;
    }

    double number(String key, double absent) throws Unsupported {
        Object v = raw(key);
        if (v == null) {
            return absent;
        }
        if (!(v instanceof Number n)) {
            throw option(key, v, "a number");
        }
        return n.doubleValue();
    }

    /** Requires {@code key} to be absent or equal to {@code expected} (an option attn4j runs one way only). */
    void require(String key, Object expected) throws Unsupported {
        Object v = raw(key);
        if (v != null && !v.equals(expected)) {
            throw option(key, v, "attn4j runs " + show(expected));
        }
    }

    /** A nested layer config ({@code layer} of a wrapper). */
    LayerConfig nested(String key) throws Unsupported {
        Object v = raw(key);
        if (!(v instanceof Map<?, ?> m) || !(m.get("config") instanceof Map<?, ?> c)
                || !(m.get("class_name") instanceof String cls)) {
            throw option(key, v, "a layer");
        }
        Object name = c.get("name");
        return new LayerConfig(name instanceof String s ? s : layer + "." + key, cls, c);
    }

    /** Refuses every key neither read nor inert; checks the dtype policy is float32. */
    void finish() throws Unsupported {
        finish(true);
    }

    /** As {@link #finish()}, for an operation of a mask computation (its dtype is bool or int). */
    void finishOperation() throws Unsupported {
        finish(false);
    }

    private void finish(boolean checkDtype) throws Unsupported {
        Object dtype = checkDtype ? map.get("dtype") : null;
        String policy = dtype instanceof String s
                ? s
                : dtype instanceof Map<?, ?> m && m.get("config") instanceof Map<?, ?> c
                        && c.get("name") instanceof String s2 ? s2 : dtype == null ? "float32" : String.valueOf(dtype);
        if (!policy.equals("float32") && !(className.equals("InputLayer") && isInt(policy))) {
            throw option("dtype", policy, "attn4j runs float32");
        }
        for (Object key : map.keySet()) {
            if (!read.contains(key) && !INERT.contains(key)) {
                Object v = map.get(key);
                if (v == null || Boolean.FALSE.equals(v) || v instanceof List<?> l && l.isEmpty()) {
                    continue; // an option left at its off value
                }
                throw option(String.valueOf(key), v, "");
            }
        }
    }

    /** The options read, as {@code key=value, ...} (for the layer table). */
    String options() {
        StringBuilder sb = new StringBuilder();
        for (String key : read) {
            Object v = map.get(key);
            if (key.equals("name") || key.equals("layer") || key.equals("backward_layer") || v == null) {
                continue;
            }
            sb.append(sb.isEmpty() ? "" : ", ").append(key).append('=').append(show(v));
        }
        return sb.toString();
    }

    static boolean isInt(String dtype) {
        return dtype.equals("int32") || dtype.equals("int64") || dtype.equals("uint8") || dtype.equals("int16")
                || dtype.equals("int8");
    }

    static String show(Object v) {
        return v instanceof String s ? "'" + s + "'" : v instanceof Map<?, ?> ? "{...}" : String.valueOf(v);
    }
}
