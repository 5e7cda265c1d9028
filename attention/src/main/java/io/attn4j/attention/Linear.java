package io.attn4j.attention;

import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.PackedMatrix;
import io.attn4j.engine.kernel.Transpose;
import io.attn4j.engine.parallel.Parallel;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.Executor;

/**
 * {@code y = x W^T + b}, PyTorch's {@code nn.Linear}, over a block of rows: {@code x [rows, in]}
 * (ld {@code ldx}), {@code W [out, in]} packed once by {@link #pack} ({@code W^T} as the GEMM's B),
 * {@code b [out]} or none, {@code y [rows, out]} (ld {@code ldy}). One GEMM into y, then the bias
 * added row by row. Error: the GEMM bound {@code in * eps * sum |x w|}, plus one rounding for the
 * bias.
 */
final class Linear {
    /**
     * Rows of a block of {@link #applyAll}: a multiple of the GEMM micro-tile's 6 rows and of 16,
     * so that no block ends in a partial tile.
     */
    private static final int ROW_QUANTUM = 48;
    /** Fewer multiply-adds than this in all the products of {@link #applyAll} run on the calling thread: waking another costs more. */
    private static final long MIN_SPLIT_WORK = 1L << 19;

    /** The operands of one {@link #apply}, for {@link #applyAll}. */
    record Product(int rows, MemorySegment x, long xOff, long ldx, PackedMatrix w, MemorySegment bias, MemorySegment y,
            long yOff, long ldy) {
    }

    private Linear() {
    }

    /**
     * {@code W^T} for {@link #apply}, from {@code W [out, in]} after checking that it is F32 of that
     * shape: a heap copy in the GEMM's packed layout, taken from a contiguous copy of W (so W may be
     * any view).
     *
     * @throws IllegalArgumentException naming {@code name} if W is null, not F32 or not {@code [out, in]}
     */
    static PackedMatrix pack(Kernels kernels, String name, Tensor w, int out, int in) {
        Weights.check(name, w, out, in);
        MemorySegment rows = MemorySegment.ofArray(w.toFloatArray());
        return kernels.packB(Transpose.YES, in, out, rows, 0, in);
    }

    /** One product on the calling thread. */
    static void apply(Kernels kernels, int rows, MemorySegment x, long xOff, long ldx, PackedMatrix w,
            MemorySegment bias, MemorySegment y, long yOff, long ldy) {
        kernels.gemm(Transpose.NO, rows, 1f, x, xOff, ldx, w, 0f, y, yOff, ldy);
        addBias(kernels, rows, w.n(), bias, y, yOff, ldy);
    }

    /**
     * Several {@link #apply} calls as one split over {@code executor}: every product cut into blocks
     * of rows, all the blocks handed out together, each block's bias added by the task that computed
     * it. One dispatch instead of one per product, and no thread idles at the end of one product
     * while the next could start. Same result bits as the calls one by one: a row's result does not
     * depend on the block it lands in. Without an executor, with an operand confined to the calling
     * thread, or with too little work to be worth waking a thread, the calls run one by one on the
     * calling thread.
     */
    static void applyAll(Kernels kernels, Executor executor, Product... products) {
        boolean split = executor != null && Parallel.parallelism() > 1;
        long totalRows = 0, work = 0;
        for (Product p : products) {
            split &= Workers.shareable(p.x) && Workers.shareable(p.y) && Workers.shareable(p.bias);
            totalRows += p.rows;
            work += (long) p.rows * p.w.n() * p.w.k();
        }
        if (!split || work < MIN_SPLIT_WORK) {
            for (Product p : products) {
                apply(kernels, p.rows, p.x, p.xOff, p.ldx, p.w, p.bias, p.y, p.yOff, p.ldy);
            }
            return;
        }
        // about eight blocks per thread: small enough that the threads finish together
        long perBlock = Math.max(1, totalRows / (8L * Parallel.parallelism()));
        int block = (int) Math.min((perBlock + ROW_QUANTUM - 1) / ROW_QUANTUM * ROW_QUANTUM, Integer.MAX_VALUE);
        int[] firstBlock = new int[products.length + 1];
        for (int i = 0; i < products.length; i++) {
            firstBlock[i + 1] = firstBlock[i] + (int) ((products[i].rows + (long) block - 1) / block);
        }
        Parallel.forEach(executor, firstBlock[products.length], task -> {
            int i = 0;
            while (task >= firstBlock[i + 1]) {
                i++;
            }
            Product p = products[i];
            int from = (task - firstBlock[i]) * block, rows = Math.min(block, p.rows - from);
            long yAt = p.yOff + from * p.ldy;
            kernels.gemm(Transpose.NO, rows, 1f, p.x, p.xOff + from * p.ldx, p.ldx, p.w, 0f, p.y, yAt, p.ldy);
            addBias(kernels, rows, p.w.n(), p.bias, p.y, yAt, p.ldy);
        });
    }

    /** {@code y [rows, out] += bias} row by row; nothing without a bias. */
    private static void addBias(Kernels kernels, int rows, int out, MemorySegment bias, MemorySegment y, long yOff,
            long ldy) {
        if (bias != null) {
            for (int r = 0; r < rows; r++) {
                kernels.add(out, y, yOff + r * ldy, bias, 0, y, yOff + r * ldy);
            }
        }
    }
}
