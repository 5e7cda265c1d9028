package io.attn4j.bench;

import java.util.Locale;

/**
 * What one call of an attention workload does, for the report's rate. Parameters come as JMH
 * writes them (the benchmark's {@code @Param} values joined by commas, in any order): a number
 * (the sequence length T) and, for {@code attn}, a mask name.
 *
 * <ul>
 *   <li>{@code attn} (W3, one head, d = 64): {@code 4 T^2 d} flops, Q K^T and P V, counted in full
 *       for the causal mask too (which needs half), so that causal rates show the skipped work;</li>
 *   <li>{@code mha} (W4, E = 512, 8 heads): {@code 8 T E^2} for the four projections plus
 *       {@code 4 T^2 E} for the heads;</li>
 *   <li>{@code decode} (W5, 32 heads, d = 128, one query): bytes of keys and values read,
 *       {@code 2 * 32 * T * 128 * 4}, as GB/s.</li>
 * </ul>
 */
final class AttentionWork {
    static final int HEAD_DIM = 64;
    static final int MODEL_DIM = 512;
    static final int HEADS = 8;
    static final int DECODE_HEADS = 32;
    static final int DECODE_HEAD_DIM = 128;

    private AttentionWork() {
    }

    static Report.Work of(String op, String params) {
        long t = -1;
        String mask = "none";
        for (String p : params.split(",")) {
            if (p.chars().allMatch(Character::isDigit) && !p.isEmpty()) {
                t = Long.parseLong(p);
            } else if (!p.isEmpty()) {
                mask = p;
            }
        }
        if (t < 0) {
            throw new IllegalArgumentException(op + " parameters " + params + " name no sequence length");
        }
        return switch (op) {
            case "attn" -> new Report.Work(4.0 * t * t * HEAD_DIM, "GFLOP/s", String.format(Locale.ROOT,
                    "W3 attention, one head, T = %d, d = %d, %s", t, HEAD_DIM, mask.equals("causal") ? "causal" : "no mask"));
            case "mha" -> new Report.Work(8.0 * t * MODEL_DIM * MODEL_DIM + 4.0 * t * t * MODEL_DIM, "GFLOP/s",
                    String.format(Locale.ROOT, "W4 multi-head self-attention, batch 1, T = %d, E = %d, %d heads", t, MODEL_DIM, HEADS));
            case "decode" -> new Report.Work(2.0 * DECODE_HEADS * t * DECODE_HEAD_DIM * Float.BYTES, "GB/s",
                    String.format(Locale.ROOT, "W5 decode step, 1 query, T = %d cached, %d heads, d = %d (keys and values read)",
                            t, DECODE_HEADS, DECODE_HEAD_DIM));
            default -> throw new IllegalArgumentException("not an attention workload: " + op);
        };
    }
}
