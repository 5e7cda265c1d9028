package io.attn4j.model.keras;

import static io.attn4j.model.keras.CallArguments.checkKwargs;
import static io.attn4j.model.keras.CallArguments.portList;
import static io.attn4j.model.keras.CallArguments.single;

import io.attn4j.model.graph.GraphBuilder;
import io.attn4j.model.graph.Port;
import io.attn4j.model.keras.LayerConfig.Unsupported;
import java.util.List;
import java.util.Map;

/**
 * The operations Keras 3 records in a saved graph where layers compute masks ({@code Masking}:
 * {@code any(not_equal(x, v), axis=-1)}; {@code Embedding(mask_zero=True)}: {@code not_equal(ids,
 * 0)}; {@code Concatenate.compute_mask}: {@code expand_dims}, {@code zeros_like}/{@code ones_like},
 * {@code logical_or}, {@code concatenate}, {@code any}), and {@code convert_to_tensor}. Other
 * operations are refused: they are computations of the model itself, not of its masks.
 */
final class MaskOperations {
    private final GraphBuilder g;

    MaskOperations(GraphBuilder g) {
        this.g = g;
    }

    Port operation(LayerConfig c, List<Object> args, Map<String, Object> kwargs) throws Unsupported {
        return switch (c.className) {
            case "NotEqual" -> notEqual(c, args, kwargs);
            case "Any" -> any(c, args, kwargs);
            case "ConvertToTensor" -> {
                checkKwargs(c, kwargs);
                c.raw("dtype");
                c.raw("sparse");
                c.raw("ragged");
                yield single(c, args);
            }
            case "ExpandDims" -> {
                checkKwargs(c, kwargs);
                Object axis = c.raw("axis");
                Port x = single(c, args);
                c.finishOperation();
                if (x.kind() != Port.Kind.MASK || !(Long.valueOf(-1).equals(axis) || Long.valueOf(2).equals(axis))) {
                    throw c.unsupported("attn4j runs expand_dims(mask, axis=-1), the mask computation Keras records");
                }
                yield g.expandMask(x);
            }
            case "ZerosLike", "OnesLike", "LogicalOr", "LogicalAnd", "LogicalNot", "Concatenate" -> booleans(c, args,
                    kwargs);
            default -> throw c.unsupported("operation " + c.className + " is not supported (attn4j runs the mask"
                    + " operations Keras records: not_equal, any, expand_dims, zeros_like, ones_like, logical_or,"
                    + " logical_and, logical_not, concatenate, convert_to_tensor)");
        };
    }

    private Port booleans(LayerConfig c, List<Object> args, Map<String, Object> kwargs) throws Unsupported {
        checkKwargs(c, kwargs);
        c.raw("dtype");
        if (c.className.equals("Concatenate")) {
            Object axis = c.raw("axis");
            if (!Long.valueOf(-1).equals(axis) && !Long.valueOf(2).equals(axis)) {
                throw c.option("axis", axis, "attn4j concatenates masks on the last axis");
            }
        }
        c.finishOperation();
        List<Port> in = portList(c, args);
        String op = switch (c.className) {
            case "ZerosLike" -> "zeros_like";
            case "OnesLike" -> "ones_like";
            case "LogicalOr" -> "or";
            case "LogicalAnd" -> "and";
            case "LogicalNot" -> "not";
            default -> "concatenate";
        };
        try {
            return g.booleans(c.layer, c.className, op, in.toArray(new Port[0]));
        } catch (IllegalArgumentException ex) {
            throw c.unsupported(ex.getMessage());
        }
    }

    private Port notEqual(LayerConfig c, List<Object> args, Map<String, Object> kwargs) throws Unsupported {
        checkKwargs(c, kwargs);
        if (args.size() != 2 || !(args.get(0) instanceof Port x) || !(args.get(1) instanceof Number value)) {
            throw c.unsupported("attn4j runs not_equal(tensor, number), the mask computation Keras records");
        }
        c.finishOperation();
        return g.notEqual(c.layer, x, value.doubleValue());
    }

    private Port any(LayerConfig c, List<Object> args, Map<String, Object> kwargs) throws Unsupported {
        checkKwargs(c, kwargs);
        Port x = single(c, args);
        Object axis = c.raw("axis");
        c.require("keepdims", false);
        c.finishOperation();
        if (x.kind() != Port.Kind.BOOL || !(Long.valueOf(-1).equals(axis) || Long.valueOf(2).equals(axis))) {
            throw c.unsupported("attn4j runs any(booleans, axis=-1), the mask computation Keras records");
        }
        return g.any(c.layer, x);
    }
}
