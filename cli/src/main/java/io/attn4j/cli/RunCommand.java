package io.attn4j.cli;

import io.attn4j.engine.io.Npy;
import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.model.SequenceModel;
import io.attn4j.model.Session;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code attn4j run}: loads a model, runs it on a batch from a {@code .npy} file and prints a
 * summary (shapes, the first predictions, latency); {@code --output} writes all predictions as
 * {@code .npy}. With {@code --repeat N} the batch runs N times on one session and the latency is
 * reported as percentiles of those calls (the first call includes the JIT's warm-up).
 */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Run a model on inputs from .npy files and print or save the predictions.")
final class RunCommand implements Callable<Integer> {
    /** Rows of predictions printed; the rest go to --output. */
    private static final int SHOWN_ROWS = 8;
    /** Values per row printed. */
    private static final int SHOWN_VALUES = 6;

    @Spec
    private CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "FILE", description = "Weights (.safetensors) with an attn4j config in its metadata or a config.json beside it.")
    private Path model;

    @Option(names = "--input", required = true, paramLabel = "X.npy", description = "float32 (batch, steps, features), or (steps, features) for one sequence.")
    private Path input;

    @Option(names = "--lengths", paramLabel = "L.npy", description = "int64 or int32 (batch,): valid steps per sequence (default: every step is valid).")
    private Path lengths;

    @Option(names = "--output", paramLabel = "Y.npy", description = "Write the predictions (batch, outputs) here as float32.")
    private Path output;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "1", description = "Run the batch N times and report latency percentiles (default: ${DEFAULT-VALUE}).")
    private int repeat;

    @Option(names = "--verbose", description = "Print the stack trace when something fails.")
    private boolean verbose;

    @Override
    public Integer call() throws Exception {
        if (repeat < 1) {
            throw new ParameterException(spec.commandLine(), "--repeat must be at least 1, got " + repeat);
        }
        PrintWriter out = spec.commandLine().getOut();
        try (Arena arena = Arena.ofConfined(); SequenceModel m = SequenceModel.load(model)) {
            Tensor x = batch(Npy.read(input, arena));
            int batch = (int) x.dim(0);
            int steps = (int) x.dim(1);
            int[] valid = lengths == null ? full(batch, steps) : lengths(Npy.read(lengths, arena), batch);

            out.println("model   " + model + ": " + m.describe());
            out.println("input   " + input + ": " + InspectCommand.shape(x.shape()) + " float32"
                    + (lengths == null ? ", every step valid" : ", lengths from " + lengths));

            long[] nanos = new long[repeat];
            try (Session session = m.newSession(batch, steps)) {
                Tensor y = null; // the session's output view, the same for every call
                for (int r = 0; r < repeat; r++) {
                    long start = System.nanoTime();
                    y = session.predict(x, valid);
                    nanos[r] = System.nanoTime() - start;
                }
                out.println("output  " + InspectCommand.shape(y.shape()) + " float32"
                        + (output == null ? "" : " -> " + output));
                printRows(out, y);
                if (output != null) {
                    Npy.write(output, y);
                }
            }
            out.println(latency(nanos, batch));
        }
        out.flush();
        return 0;
    }

    /** The input as (batch, steps, features): a 2-D array is one sequence. */
    private Tensor batch(Tensor x) {
        if (x.dtype() != DType.F32) {
            throw new IllegalArgumentException("--input " + input + ": expected float32 values, got " + x.dtype());
        }
        return switch (x.rank()) {
            case 3 -> x;
            case 2 -> x.reshape(1, x.dim(0), x.dim(1));
            default -> throw new IllegalArgumentException(
                    "--input " + input + ": expected shape (batch, steps, features) or (steps, features), got "
                            + InspectCommand.shape(x.shape()));
        };
    }

    private int[] lengths(Tensor t, int batch) {
        if (t.dtype() != DType.I64 && t.dtype() != DType.I32) {
            throw new IllegalArgumentException(
                    "--lengths " + lengths + ": expected int64 or int32 values, got " + t.dtype());
        }
        if (t.rank() != 1 || t.dim(0) != batch) {
            throw new IllegalArgumentException(
                    "--lengths " + lengths + ": expected shape (" + batch + ",) to match the input's batch, got "
                            + InspectCommand.shape(t.shape()));
        }
        long[] values = t.toLongArray();
        int[] result = new int[batch];
        for (int b = 0; b < batch; b++) {
            if (values[b] < 0 || values[b] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(
                        "--lengths " + lengths + ": length " + values[b] + " at index " + b + " is out of range");
            }
            result[b] = (int) values[b];
        }
        return result;
    }

    private static int[] full(int batch, int steps) {
        int[] result = new int[batch];
        Arrays.fill(result, steps);
        return result;
    }

    private static void printRows(PrintWriter out, Tensor y) {
        int rows = (int) y.dim(0);
        int cols = (int) y.dim(1);
        for (int b = 0; b < Math.min(rows, SHOWN_ROWS); b++) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  [%d]", b));
            for (int c = 0; c < Math.min(cols, SHOWN_VALUES); c++) {
                line.append(String.format(Locale.ROOT, " %.6f", y.get(b, c)));
            }
            if (cols > SHOWN_VALUES) {
                line.append(" ... (").append(cols).append(" values)");
            }
            out.println(line);
        }
        if (rows > SHOWN_ROWS) {
            out.println("  ... " + (rows - SHOWN_ROWS) + " more rows");
        }
    }

    private static String latency(long[] nanos, int batch) {
        if (nanos.length == 1) {
            return String.format(Locale.ROOT,
                    "latency %.3f ms for %d sequences (one call, includes JIT warm-up; --repeat N for percentiles)",
                    nanos[0] / 1e6, batch);
        }
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return String.format(Locale.ROOT,
                "latency over %d calls of %d sequences: first %.3f ms, p50 %.3f ms, p99 %.3f ms, min %.3f ms",
                nanos.length, batch, nanos[0] / 1e6, percentile(sorted, 0.50) / 1e6, percentile(sorted, 0.99) / 1e6,
                sorted[0] / 1e6);
    }

    /** Nearest-rank percentile of sorted values. */
    private static long percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }
}
