package io.attn4j.cli;

import io.attn4j.cli.RunInputs.NamedPath;
import io.attn4j.engine.io.Npy;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.model.SequenceModel;
import io.attn4j.model.Sequences.Side;
import io.attn4j.model.Session;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
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
 * read and prepare its inputs ({@link RunInputs}: which steps of each sequence are valid, moved to
 * the front where they are not: the model reads the first {@code lengths[b]} steps), run, print,
 * write. A model with several inputs (a Keras model with an attention mask input, or a query and
 * a memory) takes each as {@code --input NAME=FILE}, its lengths as {@code --lengths NAME=FILE}.
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

    @Option(names = "--input", required = true, paramLabel = "[NAME=]X.npy", description = {
            "(batch, steps, features), or (steps, features) for one sequence: float32, float64 (numpy's default) or float16, read as float32;",
            "for a model that takes token ids (a Keras Embedding input): (batch, steps) or (steps,), int32 or int64.",
            "A model with several inputs takes each one by name, --input NAME=X.npy repeated (attn4j inspect lists them);",
            "an attention mask input is (batch, query steps, key steps), bool (or numbers, non-zero = attend)."})
    private List<String> inputs;

    @Option(names = "--lengths", paramLabel = "[NAME=]L.npy", description = {
            "int64 or int32 (batch,): sequence b has L[b] valid steps, 1 <= L[b] <= steps; the others are padding, never read.",
            "With --padding post they are its first L[b] steps; with --padding pre, its last L[b] steps.",
            "Without --lengths (and --mask-value) every step is valid.",
            "With several inputs: --lengths NAME=L.npy per sequence input (an attention mask follows the lengths of the inputs it spans)."})
    private List<String> lengths = new ArrayList<>();

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
        List<NamedPath> inputFiles = inputs.stream().map(NamedPath::parse).toList();
        List<NamedPath> lengthFiles = lengths.stream().map(NamedPath::parse).toList();
        if (output != null) {
            Map<String, Path> read = new LinkedHashMap<>();
            read.put("--model", model);
            for (NamedPath p : inputFiles) {
                read.put("--input" + (p.name() == null ? "" : " " + p.name() + "="), p.path());
            }
            for (NamedPath p : lengthFiles) {
                read.put("--lengths" + (p.name() == null ? "" : " " + p.name() + "="), p.path());
            }
            OutputFile.check("--output", output, read);
        }
        PrintWriter out = spec.commandLine().getOut();
        try (Arena arena = Arena.ofConfined(); SequenceModel m = SequenceModel.load(model)) {
            RunInputs.Prepared prepared = new RunInputs(spec.commandLine(), m, padding, maskValue, arena)
                    .prepare(inputFiles, lengthFiles);
            int batch = prepared.batch();

            out.println("model   " + model + ": " + m.describe());
            prepared.summary().forEach(out::println);

            long[] nanos = new long[repeat];
            try (Session session = m.newSession(batch, prepared.maxSteps())) {
                Tensor y = null; // the session's output view, the same for every call
                for (int r = 0; r < repeat; r++) {
                    long start = System.nanoTime();
                    y = session.predict(prepared.tensors(), prepared.lengths());
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
        if (maskValue != null && maskValue.isNaN()) {
            throw new ParameterException(spec.commandLine(),
                    "--mask-value NaN would mask nothing: NaN equals no value");
        }
        if (maskValue != null && !lengths.isEmpty()) {
            throw new ParameterException(spec.commandLine(),
                    "--lengths and --mask-value both say which steps are valid: give one of them");
        }
        if (padding == Side.PRE && lengths.isEmpty() && maskValue == null) {
            throw new ParameterException(spec.commandLine(),
                    "--padding pre needs --lengths to say how many steps of each sequence are valid");
        }
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
