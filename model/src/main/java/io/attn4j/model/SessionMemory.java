package io.attn4j.model;

import io.attn4j.cells.RecurrentSpec;
import io.attn4j.cells.RecurrentWorkspace;
import io.attn4j.model.ModelConfig.MultiHead;
import io.attn4j.model.ModelConfig.PoolingAttention;
import io.attn4j.model.ModelConfig.Score;
import io.attn4j.model.ModelConfig.SelfAttention;

/**
 * What a {@link Session} for {@code (maxBatch, maxSeq)} holds off the heap, computed without
 * allocating: its own buffers exactly (each rounded up to a cache line, as allocated), the
 * encoder's workspace exactly ({@link RecurrentWorkspace#byteSize}), and an upper bound on the
 * attention's scratch, which grows during the first calls to what the largest shape needs, on one
 * worker (sessions call the attention without an executor):
 * <ul>
 *   <li>the reference attention's slot: the scores {@code tq x tk} (unless the weights output
 *       holds them), a mask row, the mean pooling's ones and mean weights, the score function's
 *       scratch (general {@code tq d}, additive {@code (tq + tk) a + a}, cosine {@code (tq + tk) d})
 *       and two byte rows of {@code tk};</li>
 *   <li>the fused attention's slot: a score tile of at most 100 x 512 and its accumulator rows
 *       {@code 100 x dv}, plus one head's transposed keys up to 2^20 floats; the chunk partials of
 *       attention pooling over more than 1024 keys ({@code B ceil(T / 1024) (2 + dv)});</li>
 *   <li>multi-head attention's projections {@code q, k, v} and the concatenated heads
 *       {@code 4 B T E}, plus the per-head weights {@code B H T^2} when a session keeps them.</li>
 * </ul>
 * {@code SessionMemoryTest} checks the bound against what sessions of every model kind hold after
 * their largest calls.
 */
final class SessionMemory {
    private static final long LINE = 64;
    /** The fused attention's largest query block (96) plus the leftover rows it may take in (4). */
    private static final long FUSED_ROWS = 100;
    private static final long FUSED_KEYS = 512;
    private static final long FUSED_KEYS_T = 1L << 20;
    private static final long SPLIT_KEYS = 1024;

    private SessionMemory() {
    }

    /**
     * Refuses a session the kernels could not index, before anything is allocated.
     *
     * @throws IllegalArgumentException unless both limits are >= 1 and every array of the session
     *         has fewer than 2^31 elements
     */
    static void check(Pipeline model, int maxBatch, int maxSeq) {
        if (maxBatch < 1 || maxSeq < 1) {
            throw new IllegalArgumentException("maxBatch and maxSeq must be >= 1, got " + maxBatch + ", " + maxSeq);
        }
        int widest = Math.max(model.config.inputSize(), model.config.encoder().outputSize());
        widest = Math.max(widest, model.config.encoder().cell().gates() * model.config.encoder().hiddenSize());
        if ((long) maxBatch * maxSeq * Math.max(widest, maxSeq) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("maxBatch " + maxBatch + " x maxSeq " + maxSeq
                    + " is too large for this model: the kernels index a batch's " + widest
                    + "-wide steps and its score matrices with int (fewer than 2^31 elements each)");
        }
    }

    /** The bound {@link SequenceModel#sessionBytes} returns. */
    static long bytes(Pipeline model, int maxBatch, int maxSeq, boolean keepWeights) {
        check(model, maxBatch, maxSeq);
        ModelConfig c = model.config;
        RecurrentSpec spec = new RecurrentSpec(c.encoder().cell(), c.inputSize(), c.encoder().hiddenSize(),
                c.encoder().numLayers(), c.encoder().bidirectional());
        return ownBytes(model, maxBatch, maxSeq, keepWeights) + RecurrentWorkspace.byteSize(spec, maxBatch, maxSeq)
                + attentionBytes(model, maxBatch, maxSeq, keepWeights && c.attention() != null);
    }

    /** The session's own buffers, as its constructor allocates them. */
    static long ownBytes(Pipeline model, int maxBatch, int maxSeq, boolean keepWeights) {
        ModelConfig c = model.config;
        long b = maxBatch, t = maxSeq, h = c.encoder().outputSize(), bt = b * t;
        boolean attention = c.attention() != null, pooling = c.attention() instanceof PoolingAttention;
        long bytes = floats(bt * h); // enc
        bytes += keepWeights && attention ? floats(bt * (pooling ? 1 : t)) : 0;
        bytes += attention && !pooling ? floats(bt * h) : 0; // context
        bytes += floats(b * h); // pooled
        for (int out : model.headOut) {
            bytes += floats(b * out);
        }
        bytes += floats(b * model.outputSize()); // logits
        bytes += line(b * Integer.BYTES); // key lengths
        bytes += pooling ? floats(b * h) : 0; // queries
        bytes += floats(t * c.inputSize()); // zeros
        bytes += c.pooling() == ModelConfig.Pooling.MEAN ? floats(t) : 0; // ones
        return bytes;
    }

    private static long attentionBytes(Pipeline model, long b, long t, boolean keepWeights) {
        ModelConfig c = model.config;
        long e = c.encoder().outputSize();
        return switch (c.attention()) {
            case null -> 0;
            case SelfAttention s -> slot(s.score(), model.scoreHidden, t, t, e, keepWeights);
            case PoolingAttention p -> {
                long partials = t > SPLIT_KEYS ? floats(b * ((t + SPLIT_KEYS - 1) / SPLIT_KEYS) * (2 + e)) : 0;
                yield partials + slot(p.score(), model.scoreHidden, 1, t, e, keepWeights);
            }
            case MultiHead m -> {
                long heads = m.numHeads(), d = e / heads;
                long shared = 4 * floats(b * t * e) + (keepWeights ? floats(b * heads * t * t) : 0);
                yield shared + slot(null, 0, t, t, d, false);
            }
        };
    }

    /** One worker's slot: the larger of the reference's and the fused attention's. */
    private static long slot(Score score, long additive, long tq, long tk, long d, boolean keepWeights) {
        long scratch = 0;
        if (score != null) {
            scratch = switch (score.kind()) {
                case DOT, SCALED_DOT -> 0;
                case GENERAL -> tq * d;
                case ADDITIVE -> align(tq * additive) + align(tk * additive) + additive;
                case COSINE -> align(tq * d) + align(tk * d);
            };
        }
        long reference = 4 * ((keepWeights ? 0 : align(tq * tk)) + 3 * align(tk) + align(scratch) + align(tq))
                + 2 * line(tk);
        long rows = Math.min(tq, FUSED_ROWS);
        long fused = 4 * (align(rows * FUSED_KEYS) + align(rows * d) + align(Math.min(d * tk, FUSED_KEYS_T)));
        return line(Math.max(reference, fused));
    }

    /** {@code n} floats in bytes, rounded up to a cache line. */
    private static long floats(long n) {
        return line(Math.multiplyExact(n, (long) Float.BYTES));
    }

    private static long align(long floats) {
        return (floats + 15) / 16 * 16;
    }

    private static long line(long bytes) {
        return (bytes + LINE - 1) / LINE * LINE;
    }
}
