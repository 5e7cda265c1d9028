package io.attn4j.model.keras;

import java.util.List;
import java.util.Map;

/**
 * One layer of a model config: its name, class and config, its calls ("inbound nodes"), where a
 * {@code .keras} file keeps its weights ({@code savePath}, e.g. {@code lstm_1}; null for an
 * operation) and whether it is an operation Keras records (ops.not_equal, ...) rather than a layer.
 */
record LayerEntry(String name, String className, Map<?, ?> config, List<InboundNodes.Call> calls, String savePath,
        boolean operation) {
}
