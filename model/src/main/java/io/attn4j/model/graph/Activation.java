package io.attn4j.model.graph;

import io.attn4j.engine.kernel.Kernels;
import java.lang.foreign.MemorySegment;
import java.util.Locale;

/**
 * Keras' activation functions, by their Keras names, applied in place to rows of {@code width}
 * floats. Sigmoid, tanh, relu and softmax run on the kernels (their ulp bounds); the others are
 * evaluated in double precision per element and rounded once, as Keras defines them
 * ({@code keras.activations}): {@code elu} (alpha 1), {@code selu}, {@code softplus}
 * ({@code log(1 + e^x)}, computed without overflow), {@code softsign}, {@code silu}/{@code swish},
 * {@code hard_sigmoid} ({@code relu6(x + 3) / 6}), {@code relu6}, {@code leaky_relu} (slope 0.2),
 * {@code exponential}, {@code gelu} (exact: {@code x/2 (1 + erf(x/sqrt 2))}, erf to 1.2e-7
 * absolute, below float32 rounding at the scale of the result).
 */
public enum Activation {
    LINEAR, SIGMOID, TANH, RELU, SOFTMAX, ELU, SELU, SOFTPLUS, SOFTSIGN, SILU, HARD_SIGMOID, RELU6, LEAKY_RELU, EXPONENTIAL, GELU;

    private static final double SELU_ALPHA = 1.6732632423543772848170429916717;
    private static final double SELU_SCALE = 1.0507009873554804934193349852946;

    /**
     * The activation Keras calls {@code name}.
     *
     * @throws IllegalArgumentException for a name attn4j does not implement
     */
    public static Activation of(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "linear", "identity" -> LINEAR;
            case "sigmoid" -> SIGMOID;
            case "tanh" -> TANH;
            case "relu" -> RELU;
            case "softmax" -> SOFTMAX;
            case "elu" -> ELU;
            case "selu" -> SELU;
            case "softplus" -> SOFTPLUS;
            case "softsign" -> SOFTSIGN;
            case "silu", "swish" -> SILU;
            case "hard_sigmoid" -> HARD_SIGMOID;
            case "relu6" -> RELU6;
            case "leaky_relu" -> LEAKY_RELU;
            case "exponential" -> EXPONENTIAL;
            case "gelu" -> GELU;
            default -> throw new IllegalArgumentException("activation '" + name + "' is not supported (supported: "
                    + "linear, sigmoid, tanh, relu, softmax, elu, selu, softplus, softsign, silu/swish, hard_sigmoid,"
                    + " relu6, leaky_relu, exponential, gelu)");
        };
    }

    /** The Keras name. */
    public String kerasName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Applies the function in place to {@code rows} rows of {@code width} floats at float offset {@code off}. */
    void apply(Kernels k, int rows, int width, MemorySegment s, long off) {
        int n = rows * width;
        switch (this) {
            case LINEAR -> {
            }
            case SIGMOID -> k.sigmoid(n, s, off, s, off);
            case TANH -> k.tanh(n, s, off, s, off);
            case RELU -> k.relu(n, s, off, s, off);
            case SOFTMAX -> k.softmaxRows(rows, width, 1f, s, off, width, null, s, off, width);
            default -> {
                for (long i = off; i < off + n; i++) {
                    s.setAtIndex(Frame.F32, i, (float) scalar(s.getAtIndex(Frame.F32, i)));
                }
            }
        }
    }

    /** The function of one element (not softmax), in double precision. */
    double of(double x) {
        return switch (this) {
            case LINEAR -> x;
            case SIGMOID -> 1 / (1 + Math.exp(-x));
            case TANH -> Math.tanh(x);
            case RELU -> Math.max(x, 0);
            case SOFTMAX -> throw new IllegalStateException("softmax is not element-wise");
            default -> scalar(x);
        };
    }

    private double scalar(double x) {
        return switch (this) {
            case ELU -> x > 0 ? x : Math.expm1(x);
            case SELU -> SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x));
            case SOFTPLUS -> Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
            case SOFTSIGN -> x / (1 + Math.abs(x));
            case SILU -> x / (1 + Math.exp(-x));
            case HARD_SIGMOID -> Math.min(Math.max(x + 3, 0), 6) / 6;
            case RELU6 -> Math.min(Math.max(x, 0), 6);
            case LEAKY_RELU -> x >= 0 ? x : 0.2 * x;
            case EXPONENTIAL -> Math.exp(x);
            case GELU -> 0.5 * x * (1 + erf(x / Math.sqrt(2)));
            default -> throw new IllegalStateException(name() + " runs on the kernels");
        };
    }

    /** erf(x) from the Chebyshev fit of erfc in Numerical Recipes (fractional error of erfc below 1.2e-7). */
    static double erf(double x) {
        double z = Math.abs(x);
        double t = 1 / (1 + 0.5 * z);
        double erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                        + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1 - erfc : erfc - 1;
    }
}
