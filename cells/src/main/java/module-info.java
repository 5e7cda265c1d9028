/**
 * RNN, LSTM and GRU networks (stacked, bidirectional, variable lengths) from PyTorch or Keras
 * weights: {@link io.attn4j.cells.RecurrentNetwork}.
 */
module io.attn4j.cells {
    requires transitive io.attn4j.engine;

    exports io.attn4j.cells;
}
