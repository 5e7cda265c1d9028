package io.attn4j.cli;

import io.attn4j.engine.io.Npy;
import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.model.SequenceModel;
import io.attn4j.model.Sequences;
import io.attn4j.model.Sequences.Batch;
import io.attn4j.model.Sequences.Options;
import io.attn4j.model.Sequences.Side;
import io.attn4j.model.Session;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
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
 *
 * <p>The steps: check the options and the output path (before anything long), load the model,
 * read the input as float32, {@link #prepare} it (which steps of each sequence are valid, moved
 * to the front where they are not: the model reads the first {@code lengths[b]} steps), run, print,
 * write.
 */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Run a model on inputs from .npy files and print or save the predictions.")
final class RunCommand implements Callable<Integer> {
    /** Rows of predictions printed; the rest go to --output. */
    private static final int SHOWN_ROWS = 8;
    /** Values per row printed. */
    private static final int SHOWN_VALUES = 6;

    @Spec
    private CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "FILE", description = "A Keras model (.keras, or a legacy .h5), or weights (.safetensors) with an attn4j config in its metadata or a config.json beside it.")
    private Path model;

    @Option(names = "--input", required = true, paramLabel = "X.npy", description = {
            "(batch, steps, features), or (steps, features) for one sequence: float32, float64 (numpy's default) or float16, read as float32;",
            "for a model that takes token ids (a Keras Embedding input): (batch, steps) or (steps,), int32 or int64."})
    private Path input;

    @Option(names = "--lengths", paramLabel = "L.npy", description = {
            "int64 or int32 (batch,): sequence b has L[b] valid steps, 1 <= L[b] <= steps; the others are padding, never read.",
            "With --padding post they are its first L[b] steps; with --padding pre, its last L[b] steps.",
            "Without --lengths (and --mask-value) every step is valid."})
    private Path lengths;

    @Option(names = "--padding", paramLabel = "pre|post", defaultValue = "post", description = "Where the padding that --lengths leaves out is: post, after the valid steps (the default), or pre, before them (Keras' pad_sequences default).")
    private Side padding;

    @Option(names = "--mask-value", paramLabel = "V", description = "Instead of --lengths: a step whose features all equal V is padding (Keras' Masking(mask_value=V) rule), wherever it is.")
    private Float maskValue;

    @Option(names = "--output", paramLabel = "Y.npy", description = "Write the predictions here as float32 (checked before the run; replaced all at once, never half-written; a new file gets the umask's mode).")
    private Path output;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "1", description = "Run the batch N times and report latency percentiles (default: ${DEFAULT-VALUE}).")
    private int repeat;

    @Option(names = "--verbose", description = "Print the stack trace when something fails.")
    private boolean verbose;

    @Override
    public Integer call() throws Exception {
        checkOptions();
        if (output != null) {
            Map<String, Path> inputs = new LinkedHashMap<>();
            inputs.put("--model", model);
            inputs.put("--input", input);
            inputs.put("--lengths", lengths);
            OutputFile.check("--output", output, inputs);
        }
        PrintWriter out = spec.commandLine().getOut();
        try (Arena arena = Arena.ofConfined(); SequenceModel m = SequenceModel.load(model)) {
            Tensor x = m.takesTokens() ? tokens(Npy.read(input, arena)) : batch(Npy.readAsF32(input, arena));
            int batch = (int) x.dim(0);
            int steps = (int) x.dim(1);
            Batch prepared = m.takesTokens() ? prepareTokens(x, arena) : prepare(x, arena);

            out.println("model   " + model + ": " + m.describe());
            out.println("input   " + input + ": " + InspectCommand.shape(x.shape())
                    + (m.takesTokens() ? " token ids, " : " float32, ") + validSteps());

            long[] nanos = new long[repeat];
            try (Session session = m.newSession(batch, steps)) {
                Tensor y = null; // the session's output view, the same for every call
                for (int r = 0; r < repeat; r++) {
                    long start = System.nanoTime();
                    y = session.predict(prepared.x(), prepared.lengths());
                    nanos[r] = System.nanoTime() - start;
                }
                out.println("output  " + InspectCommand.shape(y.shape()) + " float32"
                        + (y.rank() == 3 ? " (one prediction per step, 0 at padded steps)" : "")
                        + (output == null ? "" : " -> " + output));
                printRows(out, y);
                if (output != null) {
                    write(y);
                }
            }
            out.println(latency(nanos, batch));
        }
        out.flush();
        return 0;
    }

    /** Usage errors that picocli cannot see: contradictory or meaningless combinations. */
    private void checkOptions() {
        if (repeat < 1) {
            throw new ParameterException(spec.commandLine(), "--repeat must be at least 1, got " + repeat);
        }
        if (maskValue != null && lengths != null) {
            throw new ParameterException(spec.commandLine(),
                    "--lengths and --mask-value both say which steps are valid: give one of them");
        }
        if (maskValue != null && maskValue.isNaN()) {
            throw new ParameterException(spec.commandLine(),
                    "--mask-value NaN would mask nothing: NaN equals no value");
        }
        if (padding == Side.PRE && lengths == null && maskValue == null) {
            throw new ParameterException(spec.commandLine(),
                    "--padding pre needs --lengths to say how many steps of each sequence are valid");
        }
    }

    /** The input as (batch, steps, features): a 2-D array is one sequence. */
    private Tensor batch(Tensor x) {
        return switch (x.rank()) {
            case 3 -> x;
            case 2 -> x.reshape(1, x.dim(0), x.dim(1));
            default -> throw new IllegalArgumentException(
                    "--input " + input + ": expected shape (batch, steps, features) or (steps, features), got "
                            + InspectCommand.shape(x.shape()));
        };
    }

    /** Token ids as (batch, steps): a 1-D array is one sequence. */
    private Tensor tokens(Tensor x) {
        if (x.dtype() != DType.I32 && x.dtype() != DType.I64) {
            throw new IllegalArgumentException("--input " + input + ": the model takes token ids, int32 or int64;"
                    + " got " + x.dtype());
        }
        return switch (x.rank()) {
            case 2 -> x;
            case 1 -> x.reshape(1, x.dim(0));
            default -> throw new IllegalArgumentException("--input " + input
                    + ": expected token ids (batch, steps) or (steps,), got " + InspectCommand.shape(x.shape()));
        };
    }

    /**
     * Token ids and their lengths: every step, or the first {@code L[b]} ({@code --padding post});
     * a Keras model marks padding tokens itself ({@code Embedding(mask_zero=True)}).
     */
    private Batch prepareTokens(Tensor x, Arena arena) throws IOException {
        int batch = (int) x.dim(0);
        int steps = (int) x.dim(1);
        if (maskValue != null || padding == Side.PRE) {
            throw new ParameterException(spec.commandLine(), "--mask-value and --padding pre apply to float"
                    + " features; a token model masks its padding itself (Embedding(mask_zero=True)): pass the ids"
                    + " as they are, or --lengths for post-padded rows");
        }
        if (lengths == null) {
            int[] all = new int[batch];
            Arrays.fill(all, steps);
            return new Batch(x, all);
        }
        return new Batch(x, lengths(Npy.read(lengths, arena), batch, steps));
    }

    /**
     * The model's input: {@code x} and lengths with each sequence's valid steps first. Post-padded
     * input with lengths is that already; pre-padded input and masking go through
     * {@link Sequences#batch}, which moves the valid steps to the front (Keras' masking rule).
     */
    private Batch prepare(Tensor x, Arena arena) throws IOException {
        int batch = (int) x.dim(0);
        int steps = (int) x.dim(1);
        if (maskValue != null) {
            return sequences(x, null, Options.defaults().maxLen(steps).masking(maskValue), arena,
                    "--input " + input + " with --mask-value " + maskValue + ": ");
        }
        if (lengths == null) {
            int[] all = new int[batch];
            Arrays.fill(all, steps);
            return new Batch(x, all);
        }
        int[] valid = lengths(Npy.read(lengths, arena), batch, steps);
        return padding == Side.POST
                ? new Batch(x, valid)
                : sequences(x, valid, Options.defaults().maxLen(steps), arena,
                        "--input " + input
                                + " with --padding pre (steps counted from each sequence's first valid one): ");
    }

    /**
     * {@link Sequences#batch} of the rows of {@code x}: each row whole, or its last
     * {@code lastSteps[b]} steps; its errors prefixed by {@code context}.
     */
    private static Batch sequences(Tensor x, int[] lastSteps, Options options, Arena arena, String context) {
        int batch = (int) x.dim(0);
        int steps = (int) x.dim(1);
        int features = (int) x.dim(2);
        MemorySegment data = x.segment(); // freshly read: contiguous, from offset 0
        float[][][] rows = new float[batch][][];
        for (int b = 0; b < batch; b++) {
            int from = lastSteps == null ? 0 : steps - lastSteps[b];
            rows[b] = new float[steps - from][];
            for (int t = from; t < steps; t++) {
                float[] step = new float[features];
                MemorySegment.copy(data, ValueLayout.JAVA_FLOAT_UNALIGNED,
                        ((long) b * steps + t) * features * Float.BYTES,
                        step, 0, features);
                rows[b][t - from] = step;
            }
        }
        try {
            return Sequences.batch(rows, options, arena);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(context + e.getMessage(), e);
        }
    }

    /** What {@link #prepare} took as the valid steps, for the summary. */
    private String validSteps() {
        if (maskValue != null) {
            return "steps equal to " + maskValue + " in every feature masked";
        }
        if (lengths == null) {
            return "every step valid";
        }
        return "lengths from " + lengths + (padding == Side.PRE
                ? " (valid steps last: --padding pre)"
                : " (valid steps first)");
    }

    private int[] lengths(Tensor t, int batch, int steps) {
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
            if (values[b] < 1 || values[b] > steps) {
                throw new IllegalArgumentException("--lengths " + lengths + ": length " + values[b] + " at index "
                        + b + " is outside [1, " + steps + "] (a sequence has 1 to the input's steps valid steps)");
            }
            result[b] = (int) values[b];
        }
        return result;
    }

    /** Npy.write names the target in its file errors; others (a full disk) get it here. */
    private void write(Tensor y) throws IOException {
        try {
            Npy.write(output, y);
        } catch (FileSystemException e) {
            throw e;
        } catch (IOException e) {
            throw new IOException("--output " + output + ": " + CliErrors.message(e), e);
        }
    }

    /** The first rows of {@code y}, (batch, ...): each row's first values in C order. */
    private static void printRows(PrintWriter out, Tensor y) {
        int rows = (int) y.dim(0);
        for (int b = 0; b < Math.min(rows, SHOWN_ROWS); b++) {
            float[] values = y.row(b).toFloatArray();
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  [%d]", b));
            for (int c = 0; c < Math.min(values.length, SHOWN_VALUES); c++) {
                line.append(String.format(Locale.ROOT, " %.6f", values[c]));
            }
            if (values.length > SHOWN_VALUES) {
                line.append(" ... (").append(values.length).append(" values)");
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
