package io.attn4j.bench.suite;

import io.attn4j.bench.ClassifierOperands;
import io.attn4j.bench.MachineLimitsBench;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The one table of what a call of each benchmarked workload does: its floating-point operations
 * and the bytes it must move at least (every operand read once, every output written once), hence
 * its arithmetic intensity {@code flops / bytes} for the roofline. Keyed by the benchmark's
 * {@code <op>} (the part of the method name before {@code _}) and its JMH parameters.
 *
 * <table>
 *   <caption>Work per call</caption>
 *   <tr><th>op</th><th>flops</th><th>bytes</th><th>rate</th></tr>
 *   <tr><td>gemm M x N x K</td><td>2MNK</td><td>4(MK + KN + MN)</td><td>GFLOP/s</td></tr>
 *   <tr><td>softmax R x C</td><td>not counted</td><td>8RC (read X, write Y)</td><td>GB/s</td></tr>
 *   <tr><td>dot n</td><td>2n</td><td>8n</td><td>GFLOP/s</td></tr>
 *   <tr><td>gemv M x N</td><td>2MN</td><td>4(MN + M + N)</td><td>GFLOP/s</td></tr>
 *   <tr><td>lstm, gru H x B (T = 100, in = 64, G = 4 or 3 gates)</td><td>2GH(in + H) T B</td>
 *       <td>4(GH(in + H) + T B in + T B H)</td><td>GFLOP/s</td></tr>
 *   <tr><td>attn T (d = 64)</td><td>4 T^2 d (Q K^T and P V; causal counted in full)</td>
 *       <td>16 T d (Q, K, V, O)</td><td>GFLOP/s</td></tr>
 *   <tr><td>mha T (E = 512, 8 heads)</td><td>8 T E^2 + 4 T^2 E</td><td>4(2 T E + 4 E^2)</td><td>GFLOP/s</td></tr>
 *   <tr><td>decode T (32 heads, d = 128)</td><td>4 H T d</td><td>8 H T d (keys and values)</td><td>GB/s</td></tr>
 *   <tr><td>classifier B (T = 100, in = 32, H = 64, valid lengths L_b)</td>
 *       <td>sum over b of 8H(in + H) L_b + 4H L_b^2 + H(L_b + 2)</td>
 *       <td>4(4H(in + H) + 9H + 1 + in sum L_b + B) + 4B (lengths)</td><td>GFLOP/s</td></tr>
 *   <tr><td>limit fma</td><td>2 CHAINS STEPS lanes</td><td>0</td><td>GFLOP/s</td></tr>
 *   <tr><td>limit read (mib)</td><td>not counted</td><td>mib 2^20</td><td>GB/s</td></tr>
 * </table>
 *
 * <p>The classifier (W7) counts the work of its valid steps only, the least a model must do (its
 * padded steps are skipped or masked): per sequence, the LSTM's input projection and recurrent
 * product {@code 2 * 4H(in + H)} per step (gate functions not counted, as in W6), the
 * self-attention's {@code Q K^T} and {@code P V} over the valid steps {@code 4 H L^2} (softmax not
 * counted, as in W3), the mean {@code H L} and the head {@code Linear(H, 1)} {@code 2H} (sigmoid not
 * counted). Its bytes are the weights (the LSTM's two matrices and two biases, the head's row and
 * bias), the valid input steps, the lengths and the probabilities; the LSTM's outputs stay in cache.
 *
 * <p>A benchmark with a {@code threads} parameter above 1 runs each call on that many threads
 * (attn4j with an executor of as many threads, the peers with as many of their own): its workload is
 * the same work, labelled "N threads per call". Its results form groups of their own (the report
 * groups by parameters), so attn4j/peer ratios are only taken between rows of one thread count.
 *
 * <p>Workloads not in the table (a benchmark added later) are reported without a rate.
 */
public final class Workloads {
    /** Ops in report order; the machine limits first. */
    static final List<String> OPS = List.of("limit", "gemm", "softmax", "dot", "gemv", "lstm", "gru", "attn", "mha",
            "decode",
            "classifier");
    /** Implementations in report order: attn4j first, as the one the others are compared with. */
    static final List<String> IMPLEMENTATIONS = List.of("attn4j", "reference", "scalar", "openblas", "onnxruntime",
            "lucene",
            "onnxruntime_contrib", "memoryread", "fma", "read");

    private static final int STEPS = 100;
    private static final int RECURRENT_INPUT = 64;
    private static final int HEAD_DIM = 64;
    private static final int MODEL_DIM = 512;
    private static final int DECODE_HEADS = 32;
    private static final int DECODE_HEAD_DIM = 128;

    private Workloads() {
    }

    /**
     * What one call does.
     *
     * @param id the canonical workload (W1..W8), or "limit"
     * @param label a readable name with the parameters
     * @param flops floating-point operations per call (0: not counted, the rate is in GB/s)
     * @param bytes least bytes read and written per call
     * @param rateUnit "GFLOP/s" or "GB/s": which of the two the report's rate counts
     * @param sequences sequences one call processes (W6, W7), 0 for workloads without sequences
     * @param callThreads threads each call runs on
     */
    public record Workload(String id, String label, double flops, double bytes, String rateUnit, int sequences,
            int callThreads) {
        public Workload(String id, String label, double flops, double bytes, String rateUnit) {
            this(id, label, flops, bytes, rateUnit, 0);
        }

        public Workload(String id, String label, double flops, double bytes, String rateUnit, int sequences) {
            this(id, label, flops, bytes, rateUnit, sequences, 1);
        }

        /** The same work with each call on {@code threads} threads, said in the label when above 1. */
        Workload onThreads(int threads) {
            return threads == 1
                    ? this
                    : new Workload(id, label + ", " + threads + " threads per call", flops, bytes, rateUnit,
                            sequences, threads);
        }

        /** The rate of one caller, in {@link #rateUnit}, for {@code seconds} per call. */
        public double rate(double seconds) {
            return (rateUnit.equals("GB/s") ? bytes : flops) / seconds / 1e9;
        }

        /** Flops per byte; 0 when flops are not counted. */
        public double intensity() {
            return bytes == 0 ? Double.POSITIVE_INFINITY : flops / bytes;
        }
    }

    /**
     * The workload of benchmark {@code op} at {@code params}, or empty for one not in the table.
     *
     * @param lanes float lanes of the vector species the run used (for {@code limit fma})
     */
    public static Optional<Workload> of(String op, String impl, Map<String, String> params, int lanes) {
        int threads = params.containsKey("threads") ? Integer.parseInt(params.get("threads")) : 1;
        return Optional.ofNullable(switch (op) {
            case "limit" -> limit(impl, params, lanes);
            case "gemm" -> {
                long[] d = dims(params.get("shape"), 3);
                yield new Workload("W1", "W1 GEMM " + params.get("shape") + " (M x N x K)", 2.0 * d[0] * d[1] * d[2],
                        4.0 * (d[0] * d[2] + d[2] * d[1] + d[0] * d[1]), "GFLOP/s");
            }
            case "softmax" -> {
                long[] d = dims(params.get("shape"), 2);
                yield new Workload("W2", "W2 row softmax " + params.get("shape") + " (rows x cols)", 0,
                        8.0 * d[0] * d[1], "GB/s");
            }
            case "dot" -> {
                long n = Long.parseLong(params.get("n"));
                yield new Workload("W8", "W8 dot, n = " + n, 2.0 * n, 8.0 * n, "GFLOP/s");
            }
            case "gemv" -> {
                long[] d = dims(params.get("shape"), 2);
                yield new Workload("W8", "W8 GEMV " + params.get("shape") + " (M x N)", 2.0 * d[0] * d[1],
                        4.0 * (d[0] * d[1] + d[0] + d[1]), "GFLOP/s");
            }
            case "lstm", "gru" -> recurrent(op, dims(params.get("shape"), 2));
            case "classifier" -> classifier(Integer.parseInt(params.get("batch")));
            case "attn" -> {
                long t = Long.parseLong(params.get("seq"));
                String mask = "causal".equals(params.get("mask")) ? "causal" : "no mask";
                yield new Workload("W3",
                        String.format(Locale.ROOT, "W3 attention, one head, T = %d, d = %d, %s", t, HEAD_DIM, mask),
                        4.0 * t * t * HEAD_DIM, 16.0 * t * HEAD_DIM, "GFLOP/s");
            }
            case "mha" -> {
                long t = Long.parseLong(params.get("seq"));
                long e = MODEL_DIM;
                yield new Workload("W4",
                        String.format(Locale.ROOT, "W4 multi-head self-attention, T = %d, E = %d, 8 heads", t, e),
                        8.0 * t * e * e + 4.0 * t * t * e, 4.0 * (2 * t * e + 4 * e * e), "GFLOP/s");
            }
            case "decode" -> {
                long t = Long.parseLong(params.get("cached"));
                double kv = (double) DECODE_HEADS * t * DECODE_HEAD_DIM;
                yield new Workload("W5", String.format(Locale.ROOT, "W5 decode step, T = %d cached, %d heads, d = %d",
                        t, DECODE_HEADS, DECODE_HEAD_DIM), 4.0 * kv, 8.0 * kv, "GB/s");
            }
            default -> null;
        }).map(w -> w.onThreads(threads));
    }

    private static Workload limit(String impl, Map<String, String> params, int lanes) {
        return switch (impl) {
            case "fma" ->
                new Workload("limit", "peak FP32 FMA, " + MachineLimitsBench.CHAINS + " chains of " + lanes + " lanes",
                        2.0 * MachineLimitsBench.CHAINS * MachineLimitsBench.STEPS * lanes, 0, "GFLOP/s");
            case "read" -> new Workload("limit", "read bandwidth, sum of " + params.get("mib") + " MiB",
                    0, Long.parseLong(params.get("mib")) * (1L << 20), "GB/s");
            default -> null;
        };
    }

    private static Workload recurrent(String op, long[] hiddenBatch) {
        long gates = op.equals("lstm") ? 4 : 3, h = hiddenBatch[0], b = hiddenBatch[1], in = RECURRENT_INPUT;
        return new Workload("W6",
                String.format(Locale.ROOT, "W6 %s T = %d, in = %d, hidden %d, batch %d", op.toUpperCase(Locale.ROOT),
                        STEPS, in, h, b),
                2.0 * gates * h * (in + h) * STEPS * b,
                4.0 * (gates * h * (in + h) + STEPS * b * in + STEPS * b * h), "GFLOP/s", (int) b);
    }

    private static Workload classifier(int batch) {
        long h = ClassifierOperands.HIDDEN, in = ClassifierOperands.FEATURES;
        int[] lengths = ClassifierOperands.lengths(batch);
        double flops = 0, steps = 0;
        for (int len : lengths) {
            // LSTM 2 * 4H(in + H) per step; attention Q K^T and P V over the valid steps; mean; Linear(H, 1)
            flops += 8.0 * h * (in + h) * len + 4.0 * h * len * len + h * (len + 2.0);
            steps += len;
        }
        // weights: W_ih [4H, in], W_hh [4H, H], b_ih and b_hh [4H], the head's W [1, H] and b [1]
        double weights = 4 * h * (in + h) + 8 * h + h + 1;
        double bytes = 4.0 * (weights + in * steps + batch) + 4.0 * batch;
        int shortest = Arrays.stream(lengths).min().orElseThrow(), longest = Arrays.stream(lengths).max().orElseThrow();
        String spread = shortest == longest ? "length " + longest : "lengths " + shortest + ".." + longest;
        return new Workload("W7",
                String.format(Locale.ROOT, "W7 classifier LSTM(%d -> %d), self-attention, mean, Linear(%d, 1),"
                        + " sigmoid; T = %d, batch %d (%s)", in, h, h, ClassifierOperands.STEPS, batch, spread),
                flops, bytes, "GFLOP/s", batch);
    }

    private static long[] dims(String shape, int rank) {
        long[] d = shape == null ? new long[0] : Arrays.stream(shape.split("x")).mapToLong(Long::parseLong).toArray();
        if (d.length != rank) {
            throw new IllegalArgumentException("shape " + shape + ": expected " + rank + " dimensions joined by 'x'");
        }
        return d;
    }
}
