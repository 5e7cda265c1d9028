package io.attn4j.model.keras;

import io.attn4j.engine.io.MalformedFileException;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads one layer's weights from a Keras file, in the order Keras creates them, checking each
 * against the shape the layer's config implies.
 *
 * <p>Where Keras puts them:
 * <ul>
 *   <li>{@code .keras} ({@code model.weights.h5}): {@code layers/<path>/<sub>/vars/<i>}, where
 *       {@code <path>} is the layer's class name in snake case, numbered {@code _1}, {@code _2}, ...
 *       among the model's layers of the same class (not the layer's name), {@code <sub>} the
 *       sub-object that owns the variable ({@code cell}, {@code forward_layer/cell},
 *       {@code query_dense}, ...; empty for the layer's own), and {@code <i>} its index there;</li>
 *   <li>legacy {@code .h5}: the group {@code model_weights/<layer name>} lists its datasets in its
 *       attribute {@code weight_names}, in creation order (e.g. {@code lstm/lstm_cell/kernel}).</li>
 * </ul>
 */
final class KerasWeights {
    /** One variable a layer expects: its owner, its Keras name (the last part of a legacy name), its shape. */
    record Spec(String sub, String name, long... shape) {
    }

    private final KerasArchive archive;

    KerasWeights(KerasArchive archive) {
        this.archive = archive;
    }

    /**
     * The layer's variables, one array each (row-major), in the order of {@code specs}.
     *
     * @param layer the layer's name (legacy files)
     * @param savePath its path in a {@code .keras} file, e.g. {@code lstm_1}
     * @param className for messages
     * @throws MalformedFileException naming the file, the layer and the weight: one missing, extra
     *         or of the wrong shape or type
     */
    float[][] read(String layer, String savePath, String className, List<Spec> specs) throws MalformedFileException {
        try {
            return archive.legacy ? readLegacy(layer, className, specs) : readV3(layer, savePath, className, specs);
        } catch (RuntimeException e) {
            throw new MalformedFileException(archive.file, null, "layer '" + layer + "' (" + className
                    + "): its weights cannot be read: " + e, e);
        }
    }

    /** The layers a legacy file holds weights groups for (its {@code layer_names}), or empty. */
    java.util.Set<String> legacyLayerNames() {
        java.util.Set<String> names = new java.util.HashSet<>();
        Group g = group("model_weights");
        if (g == null) {
            return names;
        }
        Attribute a = g.getAttribute("layer_names");
        Object data = a == null ? null : a.getData();
        if (data instanceof String[] list) {
            names.addAll(List.of(list));
        } else if (data instanceof String one) {
            names.add(one);
        }
        return names;
    }

    private float[][] readV3(String layer, String savePath, String className, List<Spec> specs)
            throws MalformedFileException {
        float[][] out = new float[specs.size()][];
        List<String> subs = new ArrayList<>();
        for (Spec s : specs) {
            if (!subs.contains(s.sub())) {
                subs.add(s.sub());
            }
        }
        for (String sub : subs) {
            String dir = "layers/" + savePath + (sub.isEmpty() ? "" : "/" + sub) + "/vars";
            Group vars = group(dir);
            int index = 0;
            for (int k = 0; k < specs.size(); k++) {
                Spec s = specs.get(k);
                if (!s.sub().equals(sub)) {
                    continue;
                }
                String path = dir + "/" + index;
                Node node = vars == null ? null : vars.getChild(String.valueOf(index));
                if (!(node instanceof Dataset ds)) {
                    throw missing(layer, className, s, path);
                }
                out[k] = values(layer, className, s, path, ds);
                index++;
            }
            int stored = vars == null ? 0 : vars.getChildren().size();
            if (stored != index) {
                throw new MalformedFileException(archive.file, "layer '" + layer + "' (" + className + "): "
                        + dir + " holds " + stored + " variables, its config implies " + index + " ("
                        + names(specs, sub) + ")");
            }
        }
        return out;
    }

    private float[][] readLegacy(String layer, String className, List<Spec> specs) throws MalformedFileException {
        String dir = "model_weights/" + layer;
        Group g = group(dir);
        if (g == null) {
            if (specs.isEmpty()) {
                return new float[0][];
            }
            throw missing(layer, className, specs.getFirst(), dir);
        }
        String[] weightNames = weightNames(g);
        if (weightNames.length != specs.size()) {
            throw new MalformedFileException(archive.file, "layer '" + layer + "' (" + className + "): "
                    + dir + " lists " + weightNames.length + " weights " + Arrays.toString(weightNames)
                    + ", its config implies " + specs.size() + " (" + names(specs, null) + ")");
        }
        float[][] out = new float[specs.size()][];
        for (int k = 0; k < specs.size(); k++) {
            Spec s = specs.get(k);
            String name = weightNames[k];
            String last = name.substring(name.lastIndexOf('/') + 1);
            if (!last.equals(s.name())) {
                throw new MalformedFileException(archive.file, name, "layer '" + layer + "' (" + className
                        + "): weight " + k + " is '" + name + "', expected a '" + s.name() + "'", null);
            }
            Node node = child(g, name);
            if (!(node instanceof Dataset ds)) {
                throw missing(layer, className, s, dir + "/" + name);
            }
            out[k] = values(layer, className, s, dir + "/" + name, ds);
        }
        return out;
    }

    private String[] weightNames(Group g) throws MalformedFileException {
        Attribute a = g.getAttribute("weight_names");
        if (a == null || a.isEmpty()) {
            return new String[0];
        }
        Object data = a.getData();
        if (data instanceof String[] names) {
            return names;
        }
        if (data instanceof String one) {
            return new String[]{one};
        }
        // an empty list is stored by h5py as a float64 array of length 0
        if (data != null && data.getClass().isArray() && java.lang.reflect.Array.getLength(data) == 0) {
            return new String[0];
        }
        throw new MalformedFileException(archive.file, g.getPath() + ": 'weight_names' is not a list of strings");
    }

    private float[] values(String layer, String className, Spec s, String path, Dataset ds)
            throws MalformedFileException {
        long[] shape = ds.isScalar() ? new long[0] : ds.getDimensionsAsLong();
        if (!Arrays.equals(shape, s.shape())) {
            throw new MalformedFileException(archive.file, path, "layer '" + layer + "' (" + className + "): weight '"
                    + s.name() + "' has shape " + Arrays.toString(shape) + ", its config implies "
                    + Arrays.toString(s.shape()), null);
        }
        if (ds.getJavaType() != float.class && ds.getJavaType() != Float.class) {
            throw new MalformedFileException(archive.file, path, "layer '" + layer + "' (" + className + "): weight '"
                    + s.name() + "' is " + ds.getDataType() + ", attn4j reads float32 weights", null);
        }
        Object data = ds.isScalar() ? ds.getData() : ds.getDataFlat();
        if (data instanceof Float f) {
            return new float[]{f};
        }
        if (data instanceof float[] values && values.length == ds.getSize()) {
            return values;
        }
        throw new MalformedFileException(archive.file, path, "layer '" + layer + "' (" + className
                + "): unexpected data for weight '" + s.name() + "'", null);
    }

    /** The node at {@code path} under {@code g}, or null (jhdf throws for a path that does not exist). */
    private static Node child(Group g, String path) {
        try {
            return g.getByPath(path);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private Group group(String path) {
        try {
            return archive.weights.getByPath(path) instanceof Group g ? g : null;
        } catch (RuntimeException e) {
            return null; // jhdf throws for a path that does not exist
        }
    }

    private MalformedFileException missing(String layer, String className, Spec s, String path) {
        return new MalformedFileException(archive.file, path, "layer '" + layer + "' (" + className + "): weight '"
                + s.name() + "' " + Arrays.toString(s.shape()) + " is not in the file", null);
    }

    private static String names(List<Spec> specs, String sub) {
        StringBuilder sb = new StringBuilder();
        for (Spec s : specs) {
            if (sub == null || s.sub().equals(sub)) {
                sb.append(sb.isEmpty() ? "" : ", ").append(s.sub().isEmpty() ? "" : s.sub() + "/").append(s.name());
            }
        }
        return sb.isEmpty() ? "none" : sb.toString();
    }
}
