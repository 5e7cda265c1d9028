package io.attn4j.attention;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attn4j.engine.tensor.DType;
import io.attn4j.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Bad calls fail with an exception naming the argument and the shapes, and write nothing: every
 * output is filled with a sentinel first and checked afterwards.
 */
class AttentionBadInputTest {
    private static final float SENTINEL = 7.25f;

    private Arena arena;
    private AttentionWorkspace ws;
    private final SplittableRandom rnd = new SplittableRandom(4);

    @BeforeEach
    void open() {
        arena = Arena.ofConfined();
        ws = new AttentionWorkspace();
    }

    @AfterEach
    void close() {
        ws.close();
        arena.close();
    }

    private Tensor t(long... shape) {
        return Inputs.uniform(arena, rnd, 1f, shape);
    }

    private Tensor out(long... shape) {
        Tensor o = Tensor.allocate(arena, DType.F32, shape);
        o.fill(SENTINEL);
        return o;
    }

    /** Runs {@code call}, expects {@code type} with every fragment in its message, and untouched outputs. */
    private static void rejects(Class<? extends RuntimeException> type, Executable call, Tensor[] outputs,
            String... fragments) {
        RuntimeException e = assertThrows(type, call);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' lacks '" + f + "'");
        }
        for (Tensor o : outputs) {
            for (float x : o.toFloatArray()) {
                assertTrue(x == SENTINEL, "an output was written before the call was rejected");
            }
        }
    }

    @Test
    void mismatchedQueryAndKeyFeatures() {
        Tensor c = out(2, 3, 4), w = out(2, 3, 5);
        try (Attention a = Attention.scaledDot()) {
            rejects(IllegalArgumentException.class,
                    () -> a.attend(t(2, 3, 8), t(2, 5, 6), t(2, 5, 4), null, ws, null, c, w),
                    new Tensor[]{c, w}, "dq = 8", "dk = 6", "[2, 3, 8]", "[2, 5, 6]");
        }
        try (Attention a = Attention.of(ScoreFunction.general(t(8, 6)))) {
            rejects(IllegalArgumentException.class,
                    () -> a.attendReference(t(2, 3, 8), t(2, 5, 7), t(2, 5, 4), null, ws, null, c, w),
                    new Tensor[]{c, w}, "general", "[2, 5, 7]");
        }
    }

    @Test
    void valueLengthOrContextSizeWrong() {
        Tensor c = out(2, 3, 4), w = out(2, 3, 5);
        try (Attention a = Attention.dot()) {
            rejects(IllegalArgumentException.class,
                    () -> a.attend(t(2, 3, 8), t(2, 5, 8), t(2, 6, 4), null, ws, null, c, w),
                    new Tensor[]{c, w}, "value", "[2, 5, 8]", "[2, 6, 4]");
            rejects(IllegalArgumentException.class,
                    () -> a.attend(t(2, 3, 8), t(2, 5, 8), t(2, 5, 3), null, ws, null, c, w),
                    new Tensor[]{c, w}, "context", "[2, 3, 4]", "[2, 3, 3]");
            rejects(IllegalArgumentException.class,
                    () -> a.attend(t(2, 3, 8), t(2, 5, 8), t(2, 5, 4), null, ws, null, c, out(2, 3, 6)),
                    new Tensor[]{c}, "weights", "[2, 3, 6]", "[2, 3, 5]");
            rejects(IllegalArgumentException.class,
                    () -> a.attend(t(2, 3, 8), t(3, 5, 8), t(3, 5, 4), null, ws, null, c, w),
                    new Tensor[]{c, w}, "batch", "[3, 5, 8]");
        }
    }

    @Test
    void masksOfTheWrongShapeOrLengthsOutOfRange() {
        Tensor c = out(2, 3, 4), w = out(2, 3, 5);
        try (Attention a = Attention.dot()) {
            Tensor q = t(2, 3, 8), k = t(2, 5, 8), v = t(2, 5, 4);
            AttentionMask pad = AttentionMask.none().withKeyPadding(Tensor.allocate(arena, DType.I8, 2, 6));
            rejects(IllegalArgumentException.class, () -> a.attend(q, k, v, pad, ws, null, c, w), new Tensor[]{c, w},
                    "keyPadding", "[2, 6]", "[2, 5]");
            AttentionMask bool = AttentionMask.none().withMask(Tensor.allocate(arena, DType.I8, 3, 4));
            rejects(IllegalArgumentException.class, () -> a.attend(q, k, v, bool, ws, null, c, w), new Tensor[]{c, w},
                    "mask", "[3, 4]", "[3, 5]");
            AttentionMask f32 = AttentionMask.none().withMask(Tensor.allocate(arena, DType.F32, 3, 5));
            rejects(IllegalArgumentException.class, () -> a.attend(q, k, v, f32, ws, null, c, w), new Tensor[]{c, w},
                    "mask", "I8", "F32");
            AttentionMask add = AttentionMask.none().withAdditive(Tensor.allocate(arena, DType.F32, 1, 3, 5));
            rejects(IllegalArgumentException.class, () -> a.attend(q, k, v, add, ws, null, c, w), new Tensor[]{c, w},
                    "additive", "[1, 3, 5]", "[2, 3, 5]");
            AttentionMask tooLong = AttentionMask.none().withKeyLengths(5, 6);
            rejects(IllegalArgumentException.class, () -> a.attend(q, k, v, tooLong, ws, null, c, w),
                    new Tensor[]{c, w},
                    "keyLengths[1] = 6", "[0, 5]");
            AttentionMask negative = AttentionMask.none().withKeyLengths(-1, 2);
            rejects(IllegalArgumentException.class, () -> a.attend(q, k, v, negative, ws, null, c, w),
                    new Tensor[]{c, w},
                    "keyLengths[0] = -1");
            AttentionMask count = AttentionMask.none().withKeyLengths(1, 2, 3);
            rejects(IllegalArgumentException.class, () -> a.attend(q, k, v, count, ws, null, c, w), new Tensor[]{c, w},
                    "keyLengths", "3 entries", "batch of 2");
        }
    }

    @Test
    void headsThatDoNotDivide() {
        rejects(IllegalArgumentException.class,
                () -> MultiHeadAttention.fromPyTorch(5, t(96, 32), t(96), t(32, 32), t(32)),
                new Tensor[0], "numHeads 5", "embed_dim 32");
        rejects(IllegalArgumentException.class, () -> MultiHeadAttention.grouped(4, 3, t(32, 32), t(24, 32), t(24, 32),
                null, null, null, t(32, 32), null), new Tensor[0], "numKvHeads 3");
        Tensor c = out(1, 4, 3, 8);
        try (Attention a = Attention.scaledDot()) {
            rejects(IllegalArgumentException.class,
                    () -> a.attend(t(1, 4, 3, 8), t(1, 3, 5, 8), t(1, 3, 5, 8), null, ws, null, c, null),
                    new Tensor[]{c}, "heads", "[1, 4, 3, 8]", "[1, 3, 5, 8]");
        }
    }

    @Test
    void multiHeadShapes() {
        try (MultiHeadAttention mha = MultiHeadAttention.fromPyTorch(4, t(96, 32), t(96), t(32, 32), t(32))) {
            Tensor o = out(2, 3, 32), w = out(2, 3, 5);
            rejects(IllegalArgumentException.class,
                    () -> mha.forward(t(2, 3, 30), t(2, 5, 32), t(2, 5, 32), null, ws, null, o, w),
                    new Tensor[]{o, w}, "query", "[2, 3, 30]");
            rejects(IllegalArgumentException.class,
                    () -> mha.forward(t(2, 3, 32), t(2, 5, 32), t(2, 4, 32), null, ws, null, o, w),
                    new Tensor[]{o, w}, "key", "value", "[2, 4, 32]");
            rejects(IllegalArgumentException.class,
                    () -> mha.forward(t(2, 3, 32), t(2, 5, 32), t(2, 5, 32), null, ws, null, o, out(2, 4, 3, 6)),
                    new Tensor[]{o, w}, "weights", "[2, 4, 3, 5]", "[2, 4, 3, 6]");
            AttentionMask pad = AttentionMask.none().withKeyPadding(Tensor.allocate(arena, DType.I8, 2, 4));
            rejects(IllegalArgumentException.class,
                    () -> mha.forward(t(2, 3, 32), t(2, 5, 32), t(2, 5, 32), pad, ws, null, o, w),
                    new Tensor[]{o, w}, "keyPadding", "[2, 4]");
        }
        rejects(IllegalArgumentException.class,
                () -> MultiHeadAttention.fromPyTorch(4, t(90, 32), t(96), t(32, 32), t(32)),
                new Tensor[0], "in_proj_weight", "[90, 32]");
    }

    @Test
    void kerasQueryMaskOfTheWrongShape() {
        try (KerasAttention layer = KerasAttention.attention("dot", null, null)) {
            Tensor o = out(2, 3, 4), s = out(2, 3, 5);
            Tensor qMask = Tensor.allocate(arena, DType.I8, 2, 4);
            rejects(IllegalArgumentException.class,
                    () -> layer.call(t(2, 3, 4), t(2, 5, 4), null, qMask, null, false, ws, null, o, s),
                    new Tensor[]{o, s}, "queryMask", "[2, 3]", "[2, 4]");
        }
        rejects(IllegalArgumentException.class, () -> KerasAttention.attention("general", null, null), new Tensor[0],
                "score_mode");
    }

    @Test
    void closedMemory() {
        Tensor c = out(1, 2, 3);
        try (Attention a = Attention.dot()) {
            Arena other = Arena.ofConfined();
            Tensor q = Inputs.uniform(other, rnd, 1f, 1, 2, 4);
            other.close();
            rejects(IllegalStateException.class, () -> a.attend(q, t(1, 5, 4), t(1, 5, 3), null, ws, null, c, null),
                    new Tensor[]{c},
                    "query", "closed");
            AttentionWorkspace closed = new AttentionWorkspace();
            closed.close();
            rejects(IllegalStateException.class,
                    () -> a.attend(t(1, 2, 4), t(1, 5, 4), t(1, 5, 3), null, closed, null, c, null),
                    new Tensor[]{c}, "workspace", "closed");
        }
    }
}
