package io.attn4j.model.graph;

/**
 * One layer call of a model graph: reads its input values and writes its outputs, for the call
 * shape and row lengths of a {@link Frame}. Nodes are built once at load time with their weights
 * converted into memory the graph owns; they are immutable and shared by every session, whose
 * per-call scratch each node makes in {@link #newState}.
 *
 * <p>Contract of {@link #forward}: it reads only steps {@code t < L_b} of its inputs (the frame's
 * lengths) and writes every element of its outputs, 0 at steps {@code t >= L_b} (see
 * {@link Port}). Row b's results depend on row b's inputs alone.
 */
abstract class Node implements AutoCloseable {
    /** The Keras layer's name and class, for messages and descriptions. */
    final String name;
    final String className;
    final Port[] inputs;
    /** Set by the graph: the position in topological order. */
    int index;
    Port[] outputs;

    Node(String name, String className, Port[] inputs) {
        this.name = name;
        this.className = className;
        this.inputs = inputs;
    }

    /** This node's per-session scratch, made once when a session is created; null for none. */
    Object newState(Frame frame) {
        return null;
    }

    /**
     * The off-heap bytes {@link #newState} allocates for a frame of {@code (maxBatch, maxSeq)},
     * computed without allocating, plus the most its state grows to (an attention's scratch, which
     * grows with the calls: an upper bound there); 0 for a node without state.
     */
    long stateBytes(int maxBatch, int maxSeq) {
        return 0;
    }

    /**
     * The off-heap bytes {@code state} holds now beyond what it took from the frame
     * ({@link Frame#allocate}): workspaces in arenas of their own.
     */
    long heldBytes(Object state) {
        return 0;
    }

    /** Runs the layer for the frame's current call. */
    abstract void forward(Frame f);

    /** What attn4j runs for this layer, e.g. {@code LSTM(64) fast path, mask by compaction}. */
    abstract String runs();

    /** The layer's weights with their shapes, e.g. {@code kernel (32, 256), ...}; "" when none. */
    String weights() {
        return "";
    }

    /** Frees the weights this node owns. */
    @Override
    public void close() {
    }
}
