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
 *   <tr><td>512</td><td>6 x 32</td><td>2048</td><td>384</td><td>1024</td></tr>
 *   <tr><td>256</td><td>6 x 16</td><td>2048</td><td>384</td><td>1024</td></tr>
 *   <tr><td>128</td><td>6 x 8</td><td>2048</td><td>384</td><td>1024</td></tr>
 * </table>
 *
 * <ul>
 *   <li>{@code MR x NR}, the micro-tile: MR rows of two vectors, so {@code 2 * MR = 12}
 *       accumulators, plus two B vectors and one broadcast A value: 15 registers, which fits
 *       the 16 of AVX2 and leaves room in the 32 of AVX-512. Twelve independent FMA chains
 *       cover the FMA latency (4 cycles) times its throughput (2 per cycle) with margin.</li>
 *   <li>{@code KC}, depth of one K block. Every K block loads and stores every tile of C once,
 *       so KC is as deep as the operands can stream: the B sliver ({@code KC x NR}, 256 KiB)
 *       stays in L2 while the A slivers ({@code MR x KC}, 48 KiB) stream past it as six
 *       sequential rows.</li>
 *   <li>{@code MC}, rows of the packed A block ({@code MC x KC}, 3 MiB): the A slivers that
 *       reuse one B sliver; the block is re-read from L3 once per B sliver.</li>
 *   <li>{@code NC}, columns of the packed B panel ({@code KC x NC}, 8 MiB, in L3), each sliver
 *       read once per A block; wider panels pack A fewer times ({@code n / NC}) but cost more
 *       memory per thread. A multiple of NR.</li>
 * </ul>
 * The rows agree (measured at 512 bits on AMD Zen 5, KC and MC alike at 256 bits on Zen 4); they
 * stay separate because another machine's caches may part them.
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
    /**
     * Widest panel of op(B) for which A, not transposed, is read in place rather than packed:
     * two B slivers. A packed A block is then used by only two slivers, so its copy (a read and a
     * write of A, then a read of the copy from L3) costs more than six strided row streams; the
     * two slivers ({@code 2 * KC x NR}, 512 KiB at 512 bits) and an A sliver stay in L2. With
     * four slivers, packing wins again.
     */
    static final int IN_PLACE_A_COLUMNS = 2 * NR;

    static {
        switch (Simd.bits()) {
            case 512 -> {
                KC = 2048;
                MC = 384;
                NC = 1024;
            }
            case 256 -> {
                KC = 2048;
                MC = 384;
                NC = 1024;
            }
            default -> {
                KC = 2048;
                MC = 384;
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
