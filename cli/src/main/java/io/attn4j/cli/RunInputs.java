package io.attn4j.cli;

import io.attn4j.engine.io.Npy;
import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import io.attn4j.model.ModelInput;
import io.attn4j.model.SequenceModel;
import io.attn4j.model.Sequences;
import io.attn4j.model.Sequences.Batch;
import io.attn4j.model.Sequences.Options;
import io.attn4j.model.Sequences.Side;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * {@code attn4j run}'s inputs, read and prepared for the model: each {@code --input} and
 * {@code --lengths} file (given as {@code FILE} for a model with one input, or
 * {@code NAME=FILE} by the model's input names), read as the model's input kind says (float
 * features as float32, token ids as int32/int64, an attention mask as bool or numbers), and the
 * valid steps of each sequence (lengths, {@code --padding pre} and {@code --mask-value} for a
 * model with one input: see {@link #prepareOne}).
 */
final class RunInputs {
    /** A file given as {@code FILE} or {@code NAME=FILE}; {@code name} null for the first form. */
    record NamedPath(String name, Path path) {
        static NamedPath parse(String text) {
            int eq = text.indexOf('=');
            if (eq > 0 && text.substring(0, eq).matches("[A-Za-z_][A-Za-z0-9_.\\-]*") && !Files.exists(Path.of(text))) {
                return new NamedPath(text.substring(0, eq), Path.of(text.substring(eq + 1)));
            }
            return new NamedPath(null, Path.of(text));
        }

        @Override
        public String toString() {
            return (name == null ? "" : name + "=") + path;
        }
    }

    /** The prepared call: the tensors and lengths by input name, and one summary line per input. */
    record Prepared(Map<String, Tensor> tensors, Map<String, int[]> lengths, List<String> summary) {
        int batch() {
            return (int) tensors.values().iterator().next().dim(0);
        }

        /** The longest steps of any input: the session's maxSeq. */
        int maxSteps() {
            int steps = 1;
            for (Tensor t : tensors.values()) {
                for (int d = 1; d < t.rank(); d++) {
                    steps = Math.max(steps, (int) t.dim(d));
                }
            }
            return steps;
        }
    }

    private final CommandLine cli;
    private final SequenceModel model;
    private final Side padding;
    private final Float maskValue;
    private final Arena arena;

    RunInputs(CommandLine cli, SequenceModel model, Side padding, Float maskValue, Arena arena) {
        this.cli = cli;
        this.model = model;
        this.padding = padding;
        this.maskValue = maskValue;
        this.arena = arena;
    }

    /** Reads and prepares every input; usage errors as {@link ParameterException}s. */
    Prepared prepare(List<NamedPath> inputs, List<NamedPath> lengths) throws IOException {
        List<ModelInput> expected = model.inputs();
        if (expected.size() == 1) {
            ModelInput in = expected.getFirst();
            if (inputs.size() != 1 || lengths.size() > 1) {
                throw usage("the model has one input (" + in.name() + "): give one --input and at most one --lengths");
            }
            requireName(inputs.getFirst(), in, "--input");
            if (!lengths.isEmpty()) {
                requireName(lengths.getFirst(), in, "--lengths");
            }
            return prepareOne(in, inputs.getFirst().path(), lengths.isEmpty() ? null : lengths.getFirst().path());
        }
        return prepareSeveral(expected, inputs, lengths);
    }

    private void requireName(NamedPath given, ModelInput in, String option) {
        if (given.name() != null && !given.name().equals(in.name())) {
            throw usage(option + " " + given + ": the model's input is " + in.name());
        }
    }

    /**
     * One input: {@code x} and its lengths, each sequence's valid steps first. Post-padded input
     * with lengths is that already; pre-padded input and masking go through
     * {@link Sequences#batch}, which moves the valid steps to the front (Keras' masking rule).
     */
    private Prepared prepareOne(ModelInput in, Path input, Path lengthsFile) throws IOException {
        Tensor x = read(in, input, "--input " + input);
        int batch = (int) x.dim(0), steps = (int) x.dim(1);
        Batch prepared;
        String valid;
        if (in.kind() == ModelInput.Kind.TOKENS) {
            if (maskValue != null || padding == Side.PRE) {
                throw usage("--mask-value and --padding pre apply to float features; a token model masks its padding"
                        + " itself (Embedding(mask_zero=True)): pass the ids as they are, or --lengths for post-padded"
                        + " rows");
            }
            prepared = new Batch(x, lengthsFile == null ? all(batch, steps) : lengths(lengthsFile, batch, steps));
            valid = lengthsFile == null ? "every step valid" : "lengths from " + lengthsFile + " (valid steps first)";
        } else if (maskValue != null) {
            prepared = sequences(x, null, Options.defaults().maxLen(steps).masking(maskValue),
                    "--input " + input + " with --mask-value " + maskValue + ": ");
            valid = "steps equal to " + maskValue + " in every feature masked";
        } else if (lengthsFile == null) {
            prepared = new Batch(x, all(batch, steps));
            valid = "every step valid";
        } else {
            int[] given = lengths(lengthsFile, batch, steps);
            prepared = padding == Side.POST
                    ? new Batch(x, given)
                    : sequences(x, given, Options.defaults().maxLen(steps), "--input " + input
                            + " with --padding pre (steps counted from each sequence's first valid one): ");
            valid = "lengths from " + lengthsFile + (padding == Side.PRE
                    ? " (valid steps last: --padding pre)"
                    : " (valid steps first)");
        }
        String line = "input   " + input + ": " + InspectCommand.shape(x.shape())
                + (in.kind() == ModelInput.Kind.TOKENS ? " token ids, " : " float32, ") + valid;
        return new Prepared(Map.of(in.name(), prepared.x()), Map.of(in.name(), prepared.lengths()), List.of(line));
    }

    /** Several inputs, each by name; lengths by name, post-padded (valid steps first). */
    private Prepared prepareSeveral(List<ModelInput> expected, List<NamedPath> inputs, List<NamedPath> lengths)
            throws IOException {
        if (maskValue != null || padding == Side.PRE) {
            throw usage("--padding pre and --mask-value move each sequence's valid steps to its front, which would"
                    + " misalign the model's inputs (" + names(expected) + "): give post-padded inputs and --lengths"
                    + " NAME=L.npy");
        }
        Map<String, Path> files = byName(expected, inputs, "--input", true);
        Map<String, Path> lengthFiles = byName(expected, lengths, "--lengths", false);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, int[]> lens = new LinkedHashMap<>();
        List<String> summary = new ArrayList<>();
        for (ModelInput in : expected) {
            Path file = files.get(in.name());
            Tensor x = read(in, file, "--input " + in.name() + "=" + file);
            tensors.put(in.name(), x);
            Path lf = lengthFiles.get(in.name());
            if (lf != null) {
                if (in.kind() == ModelInput.Kind.ATTENTION_MASK) {
                    throw usage("--lengths " + in.name() + "=" + lf + ": an attention mask takes the lengths of the"
                            + " inputs whose steps it spans (" + in.stepsOf() + ", " + in.keyStepsOf() + ")");
                }
                lens.put(in.name(), lengths(lf, (int) x.dim(0), (int) x.dim(1)));
            }
            summary.add(
                    "input   " + in.name() + "=" + file + ": " + InspectCommand.shape(x.shape()) + switch (in.kind()) {
                        case TOKENS -> " token ids, ";
                        case ATTENTION_MASK -> " attention mask (true = attend)";
                        default -> " float32, ";
                    } + (in.kind() == ModelInput.Kind.ATTENTION_MASK
                            ? ""
                            : lf == null ? "every step valid" : "lengths from " + lf + " (valid steps first)"));
        }
        return new Prepared(tensors, lens, summary);
    }

    /** Named files by input name: each name an input of the model, once; every input when {@code all}. */
    private Map<String, Path> byName(List<ModelInput> expected, List<NamedPath> given, String option, boolean all) {
        List<String> names = expected.stream().map(ModelInput::name).toList();
        Map<String, Path> out = new LinkedHashMap<>();
        for (NamedPath p : given) {
            if (p.name() == null) {
                throw usage(option + " " + p + ": the model has " + names.size() + " inputs (" + names(expected)
                        + "): name each one, " + option + " NAME=FILE");
            }
            if (!names.contains(p.name())) {
                throw usage(option + " " + p + ": the model has no input " + p.name() + " (its inputs: "
                        + names(expected) + ")");
            }
            if (out.put(p.name(), p.path()) != null) {
                throw usage(option + " " + p.name() + " is given twice");
            }
        }
        if (all && out.size() != names.size()) {
            List<String> missing = new ArrayList<>(names);
            missing.removeAll(out.keySet());
            throw usage("no --input for " + String.join(", ", missing) + " (the model's inputs: " + names(expected)
                    + "; give each as --input NAME=FILE)");
        }
        return out;
    }

    private static String names(List<ModelInput> inputs) {
        return String.join(", ", inputs.stream().map(ModelInput::name).toList());
    }

    /** An input file as the model takes it, a missing batch axis added (one sequence). */
    private Tensor read(ModelInput in, Path file, String what) throws IOException {
        return switch (in.kind()) {
            case FEATURES -> {
                Tensor x = Npy.readAsF32(file, arena);
                yield switch (x.rank()) {
                    case 3 -> x;
                    case 2 -> x.reshape(1, x.dim(0), x.dim(1));
                    default -> throw new IllegalArgumentException(what + ": expected shape (batch, steps, features) or"
                            + " (steps, features), got " + InspectCommand.shape(x.shape()));
                };
            }
            case TOKENS -> {
                Tensor x = Npy.read(file, arena);
                if (x.dtype() != DType.I32 && x.dtype() != DType.I64) {
                    throw new IllegalArgumentException(what + ": the model takes token ids, int32 or int64; got "
                            + x.dtype());
                }
                yield switch (x.rank()) {
                    case 2 -> x;
                    case 1 -> x.reshape(1, x.dim(0));
                    default -> throw new IllegalArgumentException(what + ": expected token ids (batch, steps) or"
                            + " (steps,), got " + InspectCommand.shape(x.shape()));
                };
            }
            case ATTENTION_MASK -> {
                Tensor x = Npy.read(file, arena);
                yield switch (x.rank()) {
                    case 3 -> x;
                    case 2 -> x.reshape(1, x.dim(0), x.dim(1));
                    default -> throw new IllegalArgumentException(what + ": expected an attention mask (batch, query"
                            + " steps, key steps) or (query steps, key steps), got " + InspectCommand.shape(x.shape()));
                };
            }
        };
    }

    private static int[] all(int batch, int steps) {
        int[] all = new int[batch];
        Arrays.fill(all, steps);
        return all;
    }

    /**
     * {@link Sequences#batch} of the rows of {@code x}: each row whole, or its last
     * {@code lastSteps[b]} steps; its errors prefixed by {@code context}.
     */
    private Batch sequences(Tensor x, int[] lastSteps, Options options, String context) {
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
                        ((long) b * steps + t) * features * Float.BYTES, step, 0, features);
                rows[b][t - from] = step;
            }
        }
        try {
            return Sequences.batch(rows, options, arena);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(context + e.getMessage(), e);
        }
    }

    private int[] lengths(Path file, int batch, int steps) throws IOException {
        Tensor t = Npy.read(file, arena);
        if (t.dtype() != DType.I64 && t.dtype() != DType.I32) {
            throw new IllegalArgumentException("--lengths " + file + ": expected int64 or int32 values, got "
                    + t.dtype());
        }
        if (t.rank() != 1 || t.dim(0) != batch) {
            throw new IllegalArgumentException("--lengths " + file + ": expected shape (" + batch
                    + ",) to match the input's batch, got " + InspectCommand.shape(t.shape()));
        }
        long[] values = t.toLongArray();
        int[] result = new int[batch];
        for (int b = 0; b < batch; b++) {
            if (values[b] < 1 || values[b] > steps) {
                throw new IllegalArgumentException("--lengths " + file + ": length " + values[b] + " at index " + b
                        + " is outside [1, " + steps + "] (a sequence has 1 to the input's steps valid steps)");
            }
            result[b] = (int) values[b];
        }
        return result;
    }

    private ParameterException usage(String message) {
        return new ParameterException(cli, message);
    }
}
