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

    static void apply(Kernels kernels, Executor executor, int rows, MemorySegment x, long xOff, long ldx,
            PackedMatrix w, MemorySegment bias, MemorySegment y, long yOff, long ldy) {
        int out = w.n();
        if (executor == null) {
            kernels.gemm(Transpose.NO, rows, 1f, x, xOff, ldx, w, 0f, y, yOff, ldy);
        } else {
            Parallel.gemm(kernels, executor, Transpose.NO, rows, 1f, x, xOff, ldx, w, 0f, y, yOff, ldy);
        }
        if (bias != null) {
            for (int r = 0; r < rows; r++) {
                kernels.add(out, y, yOff + r * ldy, bias, 0, y, yOff + r * ldy);
            }
        }
    }
}
