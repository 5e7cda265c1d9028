package io.attn4j.model;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Input preparation: variable-length sequences ({@code float[steps][features]} or token ids
 * {@code int[steps]} each) into what a {@link SequenceModel} takes, a batch tensor plus lengths,
 * the way Keras users prepare them.
 *
 * <ul>
 *   <li>{@link #pad(float[][][], int, Side, Side, float)} and {@link #pad(int[][], int, Side, Side, int)}:
 *       exactly Keras' {@code pad_sequences} (padding and truncation {@code 'pre'} or
 *       {@code 'post'}, a fill value, empty sequences all padding), for code that needs Keras' array.</li>
 *   <li>{@link #batch}: the model's input for float features. Valid steps always come first in
 *       each row, because the model's lengths say "the first {@code lengths[b]} steps are valid";
 *       where Keras would pre-pad, the model needs no padding position at all (it never reads past
 *       a length).</li>
 *   <li>{@link #tokens}: the model's input for token ids, as {@code pad_sequences} pads them (see
 *       there for the lengths and {@code Embedding(mask_zero=True)}).</li>
 * </ul>
 *
 * <p><b>Masking</b> ({@link Options#masking(float)}): a step whose features all equal the mask
 * value counts as padding, Keras' {@code Masking(mask_value)} rule (NaN never equals anything, so
 * a step holding NaN is never masked; nothing is masked with a NaN mask value). Masked steps are
 * removed by compaction: the valid steps move to the front, in their order, and the length counts
 * them. Keras' recurrent layers carry their state unchanged through a masked step and its
 * attention and pooling layers skip masked steps, so a Keras model with a {@code Masking} layer
 * computes on the compacted sequence exactly what it computes on the masked one: pre-padded Keras
 * data with {@code Masking(0.0)} gives the same predictions here with {@code masking(0f)}.
 *
 * <p><b>Missing values</b> (NaN) are never passed on silently: {@link MissingValues#REJECT} (the
 * default) throws naming sequence, step and feature; {@link MissingValues#ZERO} puts 0;
 * {@link MissingValues#PREVIOUS} puts the previous step's (already filled) value of that feature,
 * 0 at the first step. Infinities are not missing values and are always rejected (the model
 * rejects them too).
 *
 * <p>{@link #batch} works in this order: truncate (as {@code pad_sequences} does, before the model
 * masks), fill missing values, mask, place. Positions in messages are those of the caller's
 * arrays. The caller's arrays are never modified.
 */
public final class Sequences {
    /** Where padding goes or truncation cuts, as Keras' {@code 'pre'} and {@code 'post'}. */
    public enum Side {
        PRE, POST
    }

    /** What to do with NaN inputs. */
    public enum MissingValues {
        REJECT, ZERO, PREVIOUS
    }

    /**
     * How {@link #batch} prepares sequences.
     *
     * @param maxLen steps per row; longer sequences are truncated; 0 for the longest sequence (after masking)
     * @param truncating which end a too-long sequence loses; default {@link Side#PRE}, as Keras: the
     *        most recent steps are kept, which is what a sequence classifier over time series wants
     * @param masking whether steps equal to {@code maskValue} in every feature are padding
     * @param missing the NaN policy
     */
    public record Options(int maxLen, Side truncating, boolean masking, float maskValue, MissingValues missing) {
        public Options {
            if (maxLen < 0) {
                throw new IllegalArgumentException("maxLen must be >= 0 (0: the longest sequence), got " + maxLen);
            }
            if (truncating == null || missing == null) {
                throw new IllegalArgumentException("truncating and missing must not be null");
            }
        }

        /** No length limit, truncation {@code PRE} (Keras' default), no masking, NaN rejected. */
        public static Options defaults() {
            return new Options(0, Side.PRE, false, 0f, MissingValues.REJECT);
        }

        public Options maxLen(int steps) {
            return new Options(steps, truncating, masking, maskValue, missing);
        }

        public Options truncating(Side side) {
            return new Options(maxLen, side, masking, maskValue, missing);
        }

        /** Steps whose features all equal {@code value} are padding (Keras' {@code Masking(value)}). */
        public Options masking(float value) {
            return new Options(maxLen, truncating, true, value, missing);
        }

        public Options missing(MissingValues policy) {
            return new Options(maxLen, truncating, masking, maskValue, policy);
        }
    }

    /**
     * A model input and its lengths, for {@link Session#predict(Tensor, int[])}: from
     * {@link #batch}, {@code x (n, T, features)} F32 with sequence b's valid steps at
     * {@code [0, lengths[b])} and zeros after them; from {@link #tokens}, token ids
     * {@code x (n, T)} I32 as {@code pad_sequences} places them.
     */
    public record Batch(Tensor x, int[] lengths) {
    }

    /**
     * How {@link #tokens} pads token ids, as Keras' {@code pad_sequences(maxlen=, padding=,
     * truncating=, value=)}.
     *
     * @param maxLen steps per row; longer sequences are truncated; 0 for the longest sequence
     * @param padding where the padding goes: {@link Side#PRE} (Keras' default) before the tokens,
     *        {@link Side#POST} after them
     * @param truncating which end a too-long sequence loses; {@link Side#PRE} (Keras' default)
     *        keeps its last tokens
     * @param value the padding id: 0, with {@code Embedding(mask_zero=True)}, is the Keras way
     */
    public record TokenOptions(int maxLen, Side padding, Side truncating, int value) {
        public TokenOptions {
            if (maxLen < 0) {
                throw new IllegalArgumentException("maxLen must be >= 0 (0: the longest sequence), got " + maxLen);
            }
            if (padding == null || truncating == null) {
                throw new IllegalArgumentException("padding and truncating must not be null");
            }
        }

        /** Keras' defaults: the longest sequence, padding and truncation {@code PRE}, padding id 0. */
        public static TokenOptions defaults() {
            return new TokenOptions(0, Side.PRE, Side.PRE, 0);
        }

        public TokenOptions maxLen(int steps) {
            return new TokenOptions(steps, padding, truncating, value);
        }

        public TokenOptions padding(Side side) {
            return new TokenOptions(maxLen, side, truncating, value);
        }

        public TokenOptions truncating(Side side) {
            return new TokenOptions(maxLen, padding, side, value);
        }

        public TokenOptions value(int id) {
            return new TokenOptions(maxLen, padding, truncating, id);
        }
    }

    private Sequences() {
    }

    /**
     * Keras' {@code pad_sequences(sequences, maxlen, padding=, truncating=, value=)} for float
     * sequences: an {@code [n][maxLen][features]} array filled with {@code value}, each sequence
     * truncated to its last ({@code PRE}) or first ({@code POST}) {@code maxLen} steps and placed at
     * the end ({@code PRE}) or the start ({@code POST}) of its row. An empty sequence gives a row of
     * padding.
     *
     * @param maxLen 0 for the longest sequence
     * @throws IllegalArgumentException if steps differ in their number of features (naming the step)
     */
    public static float[][][] pad(float[][][] sequences, int maxLen, Side padding, Side truncating, float value) {
        int features = features(sequences);
        int rows = rowLength(sequences, maxLen);
        float[][][] out = new float[sequences.length][rows][features];
        for (float[][] row : out) {
            for (float[] step : row) {
                Arrays.fill(step, value);
            }
        }
        for (int i = 0; i < sequences.length; i++) {
            int n = sequences[i].length, kept = Math.min(n, rows);
            int from = truncating == Side.PRE ? n - kept : 0;
            int to = padding == Side.PRE ? rows - kept : 0;
            for (int s = 0; s < kept; s++) {
                out[i][to + s] = sequences[i][from + s].clone();
            }
        }
        return out;
    }

    /**
     * Keras' {@code pad_sequences(sequences, maxlen, padding=, truncating=, value=)} for token ids:
     * an {@code [n][maxLen]} array filled with {@code value}, each sequence truncated to its last
     * ({@code PRE}) or first ({@code POST}) {@code maxLen} ids and placed at the end ({@code PRE})
     * or the start ({@code POST}) of its row. An empty sequence gives a row of padding.
     *
     * @param maxLen 0 for the longest sequence
     * @throws IllegalArgumentException for no sequences or a null one
     */
    public static int[][] pad(int[][] sequences, int maxLen, Side padding, Side truncating, int value) {
        if (padding == null || truncating == null) {
            throw new IllegalArgumentException("padding and truncating must not be null");
        }
        int rows = tokenRowLength(sequences, maxLen);
        int[][] out = new int[sequences.length][rows];
        for (int i = 0; i < sequences.length; i++) {
            Arrays.fill(out[i], value);
            int n = sequences[i].length, kept = Math.min(n, rows);
            int from = truncating == Side.PRE ? n - kept : 0;
            int to = padding == Side.PRE ? rows - kept : 0;
            System.arraycopy(sequences[i], from, out[i], to, kept);
        }
        return out;
    }

    /**
     * Token ids for a model: {@code x (n, T)} I32, exactly the array {@code pad_sequences} makes with
     * {@code options} ({@link #pad(int[][], int, Side, Side, int)}), and lengths the model reads it by.
     *
     * <p><b>Lengths.</b> With {@link Side#POST} padding, {@code lengths[b]} is the number of ids row
     * b keeps: the model never reads the padding, whatever its id, and row b's result is the
     * model's result on that sequence alone. With {@link Side#PRE} padding (Keras' default) the
     * padding sits in front, where a length cannot cut it: {@code lengths[b]} is {@code T} and the
     * model reads the padding ids as Keras reads that array. With
     * {@code Embedding(mask_zero=True)} and padding id 0 (the Keras way) the model masks them: the
     * result is Keras' {@code model.predict} on the padded array. Without {@code mask_zero}, pad
     * {@code POST}: pre-padding ids would count as tokens, as they do in Keras.
     *
     * <p>The two ways agree wherever Keras honours the mask; they differ where Keras itself counts
     * masked steps ({@code GlobalMaxPooling1D}, {@code Flatten}), where {@code PRE} with
     * {@code mask_zero} gives Keras' numbers for the padded array and {@code POST} those of each
     * sequence alone.
     *
     * @param arena owns the returned tensor
     * @throws IllegalArgumentException for no sequences, a null or empty one (a prediction needs
     *         at least one token)
     */
    public static Batch tokens(int[][] sequences, TokenOptions options, Arena arena) {
        if (options == null || arena == null) {
            throw new IllegalArgumentException("options and arena must not be null");
        }
        int[][] padded = pad(sequences, options.maxLen(), options.padding(), options.truncating(), options.value());
        int n = sequences.length, seq = padded[0].length;
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) {
            if (sequences[i].length == 0) {
                throw new IllegalArgumentException("sequences[" + i + "] is empty: a prediction needs at least one"
                        + " token");
            }
            lengths[i] = options.padding() == Side.POST ? Math.min(sequences[i].length, seq) : seq;
        }
        Tensor x = Tensor.allocate(arena, DType.I32, n, seq);
        for (int i = 0; i < n; i++) {
            MemorySegment.copy(padded[i], 0, x.segment(), ValueLayout.JAVA_INT_UNALIGNED,
                    (long) i * seq * Integer.BYTES,
                    seq);
        }
        return new Batch(x, lengths);
    }

    /**
     * Prepares sequences for a model (see the class comment for the order of the steps).
     *
     * @param arena owns the returned tensor
     * @throws IllegalArgumentException for no sequences, ragged features, a NaN under
     *         {@link MissingValues#REJECT} or an infinity (naming sequence, step and feature), or a
     *         sequence left with no valid step
     */
    public static Batch batch(float[][][] sequences, Options options, Arena arena) {
        if (options == null || arena == null) {
            throw new IllegalArgumentException("options and arena must not be null");
        }
        int features = features(sequences);
        int n = sequences.length;
        float[][][] rows = new float[n][][];
        int[] lengths = new int[n];
        int longest = 0;
        for (int i = 0; i < n; i++) {
            int len = sequences[i].length, kept = options.maxLen() == 0 ? len : Math.min(len, options.maxLen());
            int from = options.truncating() == Side.PRE ? len - kept : 0;
            float[][] row = fillMissing(sequences[i], i, from, kept, options.missing());
            lengths[i] = options.masking() ? compact(row, options.maskValue()) : kept;
            if (lengths[i] == 0) {
                throw new IllegalArgumentException("sequences[" + i + "] has no valid step"
                        + (options.masking() ? " left after masking steps equal to " + options.maskValue() : "")
                        + ": a prediction needs at least one");
            }
            rows[i] = row;
            longest = Math.max(longest, lengths[i]);
        }
        int seq = options.maxLen() == 0 ? longest : options.maxLen();
        Tensor x = Tensor.allocate(arena, DType.F32, n, seq, features);
        MemorySegment s = x.segment();
        for (int i = 0; i < n; i++) {
            for (int t = 0; t < lengths[i]; t++) {
                MemorySegment.copy(rows[i][t], 0, s, ValueLayout.JAVA_FLOAT_UNALIGNED,
                        ((long) i * seq + t) * features * Float.BYTES, features);
            }
        }
        return new Batch(x, lengths);
    }

    /** Steps {@code [from, from + count)} of sequence {@code index}, copied, with NaN replaced by the policy. */
    private static float[][] fillMissing(float[][] sequence, int index, int from, int count, MissingValues policy) {
        float[][] out = new float[count][];
        for (int t = 0; t < count; t++) {
            float[] step = sequence[from + t].clone();
            for (int f = 0; f < step.length; f++) {
                if (Float.isInfinite(step[f])) {
                    throw new IllegalArgumentException("sequences[" + index + "][" + (from + t) + "][" + f + "] is "
                            + step[f] + ": the model takes finite values");
                }
                if (Float.isNaN(step[f])) {
                    step[f] = switch (policy) {
                        case REJECT ->
                            throw new IllegalArgumentException("sequences[" + index + "][" + (from + t) + "][" + f
                                    + "] is NaN (a missing value; choose MissingValues.ZERO or PREVIOUS to fill it)");
                        case ZERO -> 0f;
                        case PREVIOUS -> t == 0 ? 0f : out[t - 1][f];
                    };
                }
            }
            out[t] = step;
        }
        return out;
    }

    /** Moves the steps not equal to {@code maskValue} in every feature to the front, in order; returns their count. */
    private static int compact(float[][] row, float maskValue) {
        int valid = 0;
        for (float[] step : row) {
            boolean masked = true;
            for (float v : step) {
                masked &= v == maskValue;
            }
            if (!masked) {
                row[valid++] = step;
            }
        }
        return valid;
    }

    /** The common number of features of every step. */
    private static int features(float[][][] sequences) {
        if (sequences == null || sequences.length == 0) {
            throw new IllegalArgumentException("no sequences given");
        }
        int features = -1;
        for (int i = 0; i < sequences.length; i++) {
            if (sequences[i] == null) {
                throw new IllegalArgumentException("sequences[" + i + "] is null");
            }
            for (int t = 0; t < sequences[i].length; t++) {
                float[] step = sequences[i][t];
                int f = step == null ? 0 : step.length;
                if (features < 0) {
                    features = f;
                }
                if (f != features || f == 0) {
                    throw new IllegalArgumentException(
                            "sequences[" + i + "][" + t + "] has " + f + " features, expected "
                                    + (features > 0 ? features : "at least 1"));
                }
            }
        }
        if (features < 0) {
            throw new IllegalArgumentException("every sequence is empty");
        }
        return features;
    }

    private static int tokenRowLength(int[][] sequences, int maxLen) {
        if (sequences == null || sequences.length == 0) {
            throw new IllegalArgumentException("no sequences given");
        }
        if (maxLen < 0) {
            throw new IllegalArgumentException("maxLen must be >= 0 (0: the longest sequence), got " + maxLen);
        }
        int longest = 0;
        for (int i = 0; i < sequences.length; i++) {
            if (sequences[i] == null) {
                throw new IllegalArgumentException("sequences[" + i + "] is null");
            }
            longest = Math.max(longest, sequences[i].length);
        }
        return maxLen > 0 ? maxLen : longest;
    }

    private static int rowLength(float[][][] sequences, int maxLen) {
        if (maxLen < 0) {
            throw new IllegalArgumentException("maxLen must be >= 0 (0: the longest sequence), got " + maxLen);
        }
        if (maxLen > 0) {
            return maxLen;
        }
        int longest = 0;
        for (float[][] s : sequences) {
            longest = Math.max(longest, s.length);
        }
        return longest;
    }
}
