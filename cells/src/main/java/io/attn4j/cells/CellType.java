package io.attn4j.cells;

/**
 * The recurrent cells, with PyTorch's equations and gate order (rows of {@code weight_ih},
 * {@code weight_hh} and the biases, in blocks of {@code hidden}):
 * <ul>
 *   <li>{@link #RNN_TANH}, {@link #RNN_RELU}: {@code h = act(W_ih x + b_ih + W_hh h' + b_hh)}.</li>
 *   <li>{@link #LSTM}, gates i, f, g, o: {@code c = f*c' + i*g}, {@code h = o*tanh(c)} with i, f, o
 *       sigmoid and g tanh.</li>
 *   <li>{@link #GRU}, gates r, z, n: {@code n = tanh(W_in x + b_in + r*(W_hn h' + b_hn))},
 *       {@code h = (1-z)*n + z*h'} (Keras {@code reset_after=True}).</li>
 * </ul>
 */
public enum CellType {
    /** Elman RNN with tanh: one gate block. */
    RNN_TANH(1),
    /** Elman RNN with relu: one gate block. */
    RNN_RELU(1),
    /** LSTM: four gate blocks (i, f, g, o). */
    LSTM(4),
    /** GRU: three gate blocks (r, z, n). */
    GRU(3);

    private final int gates;

    CellType(int gates) {
        this.gates = gates;
    }

    /** Gate blocks per hidden unit: 1, 4 or 3. */
    public int gates() {
        return gates;
    }

    /** True for LSTM, the only cell with a second state (c). */
    public boolean hasCellState() {
        return this == LSTM;
    }
}
