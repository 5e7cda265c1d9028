package io.attn4j.attention;

import io.attn4j.engine.kernel.Kernels;
import io.attn4j.engine.kernel.Transpose;
import io.attn4j.engine.parallel.Parallel;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.Executor;

/**
 * {@code y = x W^T + b}, PyTorch's {@code nn.Linear}, over a block of rows: {@code x [rows, in]}
 * (ld {@code ldx}), {@code W [out, in]} row-major, {@code b [out]} or none, {@code y [rows, out]}
 * (ld {@code ldy}). One GEMM into y, then the bias added row by row. Error: the GEMM bound
 * {@code in * eps * sum |x w|}, plus one rounding for the bias.
 */
final class Linear {
    private Linear() {
    }

    static void apply(Kernels kernels, Executor executor, int rows, int in, int out,
            MemorySegment x, long xOff, long ldx, MemorySegment w, MemorySegment bias,
            MemorySegment y, long yOff, long ldy) {
        if (executor == null) {
            kernels.gemm(Transpose.NO, Transpose.YES, rows, out, in, 1f, x, xOff, ldx, w, 0, in, 0f, y, yOff, ldy);
        } else {
            Parallel.gemm(kernels, executor, Transpose.NO, Transpose.YES, rows, out, in, 1f, x, xOff, ldx,
                    w, 0, in, 0f, y, yOff, ldy);
        }
        if (bias != null) {
            for (int r = 0; r < rows; r++) {
                kernels.add(out, y, yOff + r * ldy, bias, 0, y, yOff + r * ldy);
            }
        }
    }
}
