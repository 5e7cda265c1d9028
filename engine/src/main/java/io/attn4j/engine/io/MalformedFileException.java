package io.attn4j.engine.io;

import java.io.IOException;
import java.io.Serial;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A file whose content is not what its format promises: a truncated file, a header too large or
 * not parseable, an offset out of range, an unsupported dtype, a size that does not match the
 * shape. The message names the file, the tensor when one is to blame, and what is wrong.
 */
public final class MalformedFileException extends IOException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String tensor;

    /** A problem with the file as a whole (its length, its header). */
    public MalformedFileException(Path file, String problem) {
        this(file, null, problem, null);
    }

    /**
     * A problem with one tensor of the file, or with the file as a whole when {@code tensor} is
     * null; {@code cause} (may be null) is the parser's own error.
     */
    public MalformedFileException(Path file, String tensor, String problem, Throwable cause) {
        super(file + (tensor != null ? ": tensor '" + tensor + "'" : "") + ": " + problem, cause);
        this.file = file;
        this.tensor = tensor;
    }

    /** The file that is malformed. */
    public Path file() {
        return file;
    }

    /** The tensor that is malformed, when the problem is one tensor's. */
    public Optional<String> tensor() {
        return Optional.ofNullable(tensor);
    }
}
