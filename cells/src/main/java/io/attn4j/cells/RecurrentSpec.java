package io.attn4j.cells;

/**
 * The shape of a recurrent network, as PyTorch's constructor arguments give it.
 *
 * @param cell the cell type
 * @param inputSize features per input step
 * @param hiddenSize features of h (and c)
 * @param numLayers stacked layers; layer l > 0 reads the concatenated output of layer l-1
 * @param bidirectional whether each layer also runs in reverse time
 */
public record RecurrentSpec(CellType cell, int inputSize, int hiddenSize, int numLayers, boolean bidirectional) {
    /**
     * Checks the shape.
     *
     * @throws IllegalArgumentException if {@code cell} is null or a size is below 1
     */
    public RecurrentSpec {
        if (cell == null) {
            throw new IllegalArgumentException("cell is null");
        }
        if (inputSize < 1 || hiddenSize < 1 || numLayers < 1) {
            throw new IllegalArgumentException("inputSize, hiddenSize and numLayers must be >= 1, got "
                    + inputSize + ", " + hiddenSize + ", " + numLayers);
        }
    }

    /** 2 when bidirectional, else 1. */
    public int directions() {
        return bidirectional ? 2 : 1;
    }

    /** Features of the output sequence: {@code directions() * hiddenSize}. */
    public int outputSize() {
        return directions() * hiddenSize;
    }

    /** Input features of layer {@code layer}. */
    public int layerInputSize(int layer) {
        return layer == 0 ? inputSize : outputSize();
    }

    /** Rows of the gate block: {@code gates * hiddenSize}. */
    public int gateRows() {
        return cell.gates() * hiddenSize;
    }
}
