package io.attn4j.model.keras;

import io.attn4j.engine.io.MalformedFileException;
import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * What a Keras model file holds, opened: the model's config (JSON text) and its weights (an HDF5
 * file). Two formats, told apart by their first bytes, not by the file name:
 * <ul>
 *   <li>Keras 3 {@code .keras}: a zip archive of {@code config.json}, {@code metadata.json} and
 *       {@code model.weights.h5}; the weights are read into memory ({@value #MAX_WEIGHTS_BYTES}
 *       bytes at most) and parsed there;</li>
 *   <li>legacy {@code .h5} ({@code model.save("m.h5")}): one HDF5 file whose root attribute
 *       {@code model_config} is the config and whose group {@code model_weights} holds the
 *       weights.</li>
 * </ul>
 * The archive is read by exact entry names only (nothing is extracted, so entry names with
 * {@code ..} or absolute paths do nothing), each entry's size is bounded while it is read
 * (whatever its header claims), and every problem is a {@link MalformedFileException} naming the
 * file. Closing the archive closes the HDF5 reader.
 */
final class KerasArchive implements AutoCloseable {
    static final String CONFIG_ENTRY = "config.json";
    static final String METADATA_ENTRY = "metadata.json";
    static final String WEIGHTS_ENTRY = "model.weights.h5";
    /** Largest config.json read; configs of real models are tens of kilobytes. */
    static final int MAX_CONFIG_BYTES = 64 << 20;
    /** Largest weights entry read into memory (a Java array's limit, less a margin). */
    static final int MAX_WEIGHTS_BYTES = Integer.MAX_VALUE - 64;

    private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};
    private static final byte[] HDF5_MAGIC = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

    final Path file;
    final String config;
    /** The Keras version that saved the file, or "unknown". */
    final String kerasVersion;
    final HdfFile weights;
    /** True for a legacy {@code .h5} file (weights under {@code model_weights}, named by {@code weight_names}). */
    final boolean legacy;

    private KerasArchive(Path file, String config, String kerasVersion, HdfFile weights, boolean legacy) {
        this.file = file;
        this.config = config;
        this.kerasVersion = kerasVersion;
        this.weights = weights;
        this.legacy = legacy;
    }

    /** True when {@code file} starts like a zip archive or an HDF5 file (a Keras model, if anything). */
    static boolean looksLikeKeras(Path file) throws IOException {
        byte[] head = head(file);
        return startsWith(head, ZIP_MAGIC) || startsWith(head, HDF5_MAGIC);
    }

    /**
     * Opens a {@code .keras} or legacy {@code .h5} file.
     *
     * @throws MalformedFileException naming the file: neither format, a truncated or corrupt
     *         archive, a missing entry or attribute, an entry over its size limit, an HDF5 file
     *         the reader cannot parse
     * @throws IOException if the file cannot be read
     */
    static KerasArchive open(Path file) throws IOException {
        byte[] head = head(file);
        if (startsWith(head, ZIP_MAGIC)) {
            return openZip(file);
        }
        if (startsWith(head, HDF5_MAGIC)) {
            return openLegacy(file);
        }
        throw new MalformedFileException(file, "neither a Keras 3 .keras archive (a zip) nor a legacy Keras .h5"
                + " file (HDF5): it starts with bytes " + Arrays.toString(head));
    }

    private static KerasArchive openZip(Path file) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile(), StandardCharsets.UTF_8)) {
            String config = new String(entry(zip, file, CONFIG_ENTRY, MAX_CONFIG_BYTES, true), StandardCharsets.UTF_8);
            byte[] metadata = entry(zip, file, METADATA_ENTRY, MAX_CONFIG_BYTES, false);
            byte[] weights = entry(zip, file, WEIGHTS_ENTRY, MAX_WEIGHTS_BYTES, true);
            HdfFile hdf = parseHdf(file, WEIGHTS_ENTRY, () -> HdfFile.fromBytes(weights));
            return new KerasArchive(file, config, version(metadata), hdf, false);
        } catch (ZipException e) {
            throw new MalformedFileException(file, null,
                    "not a readable .keras archive (truncated or corrupt zip: " + e.getMessage() + ")", e);
        }
    }

    private static KerasArchive openLegacy(Path file) throws IOException {
        HdfFile hdf = parseHdf(file, null, () -> new HdfFile(file));
        try {
            Attribute config = hdf.getAttribute("model_config");
            if (config == null) {
                throw new MalformedFileException(file, "no 'model_config' attribute: an HDF5 file of weights only"
                        + " (save_weights) or not a Keras model; attn4j reads whole models saved with model.save()");
            }
            if (!(config.getData() instanceof String text)) {
                throw new MalformedFileException(file, "the 'model_config' attribute is not a string");
            }
            Attribute version = hdf.getAttribute("keras_version");
            String v = version != null && version.getData() instanceof String s ? s : "unknown";
            return new KerasArchive(file, text, v, hdf, true);
        } catch (IOException e) {
            hdf.close();
            throw e;
        } catch (RuntimeException e) {
            hdf.close();
            throw new MalformedFileException(file, null, "unreadable HDF5 attributes: " + e, e);
        }
    }

    /** The bytes of {@code name}, read up to {@code limit}; null when optional and absent. */
    private static byte[] entry(ZipFile zip, Path file, String name, int limit, boolean required) throws IOException {
        ZipEntry e = zip.getEntry(name);
        if (e == null || e.isDirectory()) {
            if (!required) {
                return null;
            }
            throw new MalformedFileException(file, "no " + name + " in the archive: a Keras 3 .keras file holds "
                    + CONFIG_ENTRY + ", " + METADATA_ENTRY + " and " + WEIGHTS_ENTRY);
        }
        if (e.getSize() > limit) {
            throw new MalformedFileException(file, name + " claims " + e.getSize() + " bytes, more than " + limit);
        }
        try (InputStream in = zip.getInputStream(e)) {
            byte[] bytes = in.readNBytes(limit);
            if (in.read() >= 0) {
                throw new MalformedFileException(file, name + " holds more than " + limit + " bytes");
            }
            if (e.getSize() >= 0 && bytes.length != e.getSize()) {
                throw new MalformedFileException(file,
                        name + " holds " + bytes.length + " bytes, its header says " + e.getSize());
            }
            return bytes;
        } catch (ZipException ex) {
            throw new MalformedFileException(file, null, name + " cannot be read: " + ex.getMessage(), ex);
        }
    }

    private interface HdfOpener {
        HdfFile open() throws IOException;
    }

    /** Opens an HDF5 file, turning the reader's runtime errors into a {@link MalformedFileException}. */
    private static HdfFile parseHdf(Path file, String entry, HdfOpener opener) throws IOException {
        try {
            return opener.open();
        } catch (RuntimeException e) {
            throw new MalformedFileException(file, null,
                    (entry == null ? "" : entry + ": ") + "not a readable HDF5 file: " + e, e);
        }
    }

    private static String version(byte[] metadata) {
        if (metadata == null) {
            return "unknown";
        }
        try {
            Object v = io.attn4j.engine.internal.Json.parse(new String(metadata, StandardCharsets.UTF_8));
            return v instanceof java.util.Map<?, ?> m && m.get("keras_version") instanceof String s ? s : "unknown";
        } catch (IllegalArgumentException e) {
            return "unknown";
        }
    }

    private static byte[] head(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(8);
        }
    }

    private static boolean startsWith(byte[] head, byte[] magic) {
        return head.length >= magic.length && Arrays.equals(head, 0, magic.length, magic, 0, magic.length);
    }

    @Override
    public void close() {
        weights.close();
    }
}
