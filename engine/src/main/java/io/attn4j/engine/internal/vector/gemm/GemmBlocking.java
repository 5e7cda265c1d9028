package io.attn4j.engine.internal.vector.gemm;

import io.attn4j.engine.internal.vector.Simd;

/**
 * The GEMM's block sizes for the vector width in use: besides the micro-kernel, the one place
 * that depends on the hardware. Sizes are in floats; the cache model is AMD Zen 4 (L1d 32 KiB,
 * L2 1 MiB per core, L3 32 MiB shared; two 256-bit FMA pipes, so 512-bit and 256-bit vectors
 * have the same peak, 32 flops per cycle, and 128-bit half of it).
 *
 * <table>
 *   <caption>Block sizes per vector width</caption>
 *   <tr><th>bits</th><th>MR x NR</th><th>KC</th><th>MC</th><th>NC</th></tr>
 *   <tr><td>512</td><td>6 x 32</td><td>2048</td><td>96</td><td>1024</td></tr>
 *   <tr><td>256</td><td>6 x 16</td><td>2048</td><td>96</td><td>1024</td></tr>
 *   <tr><td>128</td><td>6 x 8</td><td>2048</td><td>96</td><td>1024</td></tr>
 * </table>
 *
 * <ul>
 *   <li>{@code MR x NR}, the micro-tile: MR rows of two vectors, so {@code 2 * MR = 12}
 *       accumulators, plus two B vectors and one broadcast A value: 15 registers, which fits
 *       the 16 of AVX2 and leaves room in the 32 of AVX-512. Twelve independent FMA chains
 *       cover the FMA latency (4 cycles) times its throughput (2 per cycle) with margin.</li>
 *   <li>{@code KC}, depth of one K block. Every K block loads and stores every tile of C once,
 *       so KC is as deep as the operands can stream: the A sliver ({@code MR x KC}, 48 KiB)
 *       overflows L1 but streams from L2 as six sequential rows beside the B sliver, at full
 *       FMA rate. Measured at 512 bits against KC = 512: 1024^3 from 101 to 109 GFLOP/s,
 *       2048 x 64 x 2048 from 78 to 94; 256 and 128 bits gain alike.</li>
 *   <li>{@code MC}, rows of the packed A block ({@code MC x KC}, 768 KiB): packed, then read
 *       sliver by sliver, so it has to stay in L2 between the two. 48 to 192 measured alike.</li>
 *   <li>{@code NC}, columns of the packed B panel ({@code KC x NC}, 8 MiB, in L3): re-read once
 *       per A sliver in address order, which the prefetcher streams; wider panels pack A fewer
 *       times ({@code n / NC}) but cost more memory per thread. A multiple of NR.</li>
 * </ul>
 * The same sizes measured best at every width (within the noise of a shared machine), so the
 * rows agree; they stay separate because another machine's caches may part them.
 *
 * <p>How K is cut into blocks depends on k alone (never on m or n): the cut decides a
 * result's rounding, so results stay independent of how rows or columns of C are split
 * across calls.
 */
final class GemmBlocking {
    /** Rows of the micro-tile. */
    static final int MR = 6;
    /** Columns of the micro-tile: two vectors. */
    static final int NR = 2 * Simd.LANES;
    /** Largest depth of a K block. */
    static final int KC;
    /** Rows of a packed A block; a multiple of MR. */
    static final int MC;
    /** Columns of a packed B panel; a multiple of NR. */
    static final int NC;

    static {
        switch (Simd.bits()) {
            case 512 -> {
                KC = 2048;
                MC = 96;
                NC = 1024;
            }
            case 256 -> {
                KC = 2048;
                MC = 96;
                NC = 1024;
            }
            default -> {
                KC = 2048;
                MC = 96;
                NC = 1024;
            }
        }
    }

    private GemmBlocking() {
    }

    /**
     * Depth of every K block but the last, for a sum of {@code k} terms: the fewest blocks of at
     * most KC, made as even as possible, so that k = KC + 1 gives two blocks of about KC/2
     * rather than a whole pass over C for one term.
     */
    static int kBlock(int k) {
        int blocks = Math.max(1, (k + KC - 1) / KC);
        return Math.max(1, (k + blocks - 1) / blocks);
    }
}
