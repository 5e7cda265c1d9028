package io.attn4j.engine.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link AtomicFiles}: the written file looks as if written in place (mode, links), and errors name the target. */
class AtomicFilesTest {
    @TempDir
    Path dir;

    private static void write(Path target, String text) throws IOException {
        AtomicFiles.write(target, channel -> channel.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void aNewFileGetsTheUmasksModeLikeAnyNewFile() throws IOException {
        Path reference = Files.createFile(dir.resolve("reference"));
        Path written = dir.resolve("written.npy");
        write(written, "data");
        assertEquals(Files.getPosixFilePermissions(reference), Files.getPosixFilePermissions(written),
                "the umask's mode (the temporary file's 0600 would differ unless the umask is 077)");
        assertEquals("data", Files.readString(written));
        assertEquals(List.of(reference, written), listing(), "no temporary file is left");
    }

    @Test
    void anExistingFileKeepsItsPermissions() throws IOException {
        Path file = Files.writeString(dir.resolve("y.npy"), "old");
        Set<PosixFilePermission> unusual = PosixFilePermissions.fromString("rw-r-----");
        Files.setPosixFilePermissions(file, unusual);
        write(file, "new");
        assertEquals("new", Files.readString(file));
        assertEquals(unusual, Files.getPosixFilePermissions(file));
    }

    @Test
    void aSymbolicLinkStaysALinkToTheNewContent() throws IOException {
        Path real = Files.writeString(dir.resolve("real.npy"), "old");
        Path link = Files.createSymbolicLink(dir.resolve("link.npy"), real.getFileName());
        write(link, "new");
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("new", Files.readString(real));
    }

    @Test
    void aDirectoryOrAMissingDirectoryIsRefusedNamingTheTarget() throws IOException {
        Path directory = Files.createDirectory(dir.resolve("out"));
        FileSystemException e = assertThrows(FileSystemException.class, () -> write(directory, "x"));
        assertEquals(directory.toString(), e.getFile());
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());

        Path nowhere = dir.resolve("missing").resolve("y.npy");
        FileSystemException m = assertThrows(FileSystemException.class, () -> write(nowhere, "x"));
        assertEquals(nowhere.toString(), m.getFile());
        assertTrue(m.getMessage().contains("does not exist") && !m.getMessage().contains(".tmp"), m.getMessage());
        assertTrue(Files.isDirectory(directory));
    }

    @Test
    void aFailureOnTheTemporaryFileNamesTheTarget() throws IOException {
        Path target = Files.writeString(dir.resolve("y.npy"), "keep");
        // the temporary file vanishes before the rename (another process cleaning the directory)
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> AtomicFiles.write(target, channel -> {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList()) {
                    Files.delete(p);
                }
            }
        }));
        assertEquals(target.toString(), e.getFile());
        assertFalse(e.getMessage().contains(".tmp"), e.getMessage());
        assertTrue(e.getCause() instanceof NoSuchFileException c && c.getFile().contains(".y.npy."),
                "the original error, about the temporary file, is the cause");
        assertEquals("keep", Files.readString(target));
        assertEquals(List.of(target), listing());
    }

    private List<Path> listing() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        }
    }
}
