package io.attn4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.attn4j.cli.CliRun.Outcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code attn4j run --output}: the file gets the umask's mode, the path is checked before the run
 * (so nothing is printed or computed when it cannot be written), the output may not be one of the
 * inputs, and errors name the target.
 */
class RunOutputTest {
    @TempDir
    Path dir;

    private static Outcome run(String output, String... extra) {
        String[] args = new String[7 + extra.length];
        System.arraycopy(new String[]{"run", "--model", CliRun.MODEL.toString(), "--input", CliRun.INPUTS.toString(),
                "--output", output}, 0, args, 0, 7);
        System.arraycopy(extra, 0, args, 7, extra.length);
        return CliRun.run(args);
    }

    @Test
    void theOutputGetsTheModeAnyNewFileGets() throws IOException {
        Path reference = Files.createFile(dir.resolve("reference"));
        Path output = dir.resolve("y.npy");
        Outcome r = run(output.toString());
        assertEquals(0, r.code(), r.all());
        assertEquals(Files.getPosixFilePermissions(reference), Files.getPosixFilePermissions(output),
                "the umask's mode (0600 before, whatever the umask)");
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "no temporary file left beside the output");
        }
    }

    @Test
    void anOutputThatIsAnInputIsRefusedThroughAnyPath() throws IOException {
        Path input = Files.copy(CliRun.INPUTS, dir.resolve("x.npy"));
        Path lengths = Files.copy(CliRun.LENGTHS, dir.resolve("l.npy"));
        byte[] before = Files.readAllBytes(input);
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Path link = Files.createSymbolicLink(dir.resolve("link.npy"), input.getFileName());
        Path hard = Files.createLink(dir.resolve("hard.npy"), input);
        for (Path output : new Path[]{input, sub.resolve("..").resolve("x.npy"), link, hard,
                Path.of("").toAbsolutePath().relativize(input)}) {
            Outcome r = CliRun.run("run", "--model", CliRun.MODEL.toString(), "--input", input.toString(), "--lengths",
                    lengths.toString(), "--output", output.toString());
            assertEquals(1, r.code(), output + "\n" + r.all());
            assertEquals("attn4j run: --output " + output + ": is the same file as --input " + input
                    + "; writing it would replace that input", r.err().strip());
            assertEquals("", r.out(), "refused before the run");
            assertArrayEquals(before, Files.readAllBytes(input));
        }
        Outcome l = CliRun.run("run", "--model", CliRun.MODEL.toString(), "--input", input.toString(), "--lengths",
                lengths.toString(), "--output", lengths.toString());
        assertTrue(l.err().contains("is the same file as --lengths " + lengths), l.all());
        Outcome m = run(CliRun.MODEL.toString());
        assertTrue(m.err().contains("is the same file as --model"), m.all());
    }

    @Test
    void anOutputThatCannotBeWrittenIsRefusedBeforeTheRun() throws IOException {
        Path directory = Files.createDirectory(dir.resolve("out"));
        Path missing = dir.resolve("missing").resolve("y.npy");
        Path notADirectory = Files.writeString(dir.resolve("file"), "x").resolve("y.npy");
        String[][] cases = {{directory.toString(), "is a directory"},
                {missing.toString(), "its directory " + missing.getParent().toAbsolutePath() + " does not exist"},
                {notADirectory.toString(), notADirectory.getParent().toAbsolutePath() + " is not a directory"},
                {"/dev/null", "is not a regular file"}};
        for (String[] c : cases) {
            Outcome r = run(c[0]);
            assertEquals(1, r.code(), r.all());
            assertEquals("attn4j run: --output " + c[0] + ": " + c[1], r.err().strip().split("; ")[0], r.all());
            assertEquals("", r.out(), "refused before the run:\n" + r.all());
        }
        assertTrue(Files.isDirectory(directory));
    }

    @Test
    void aDirectoryThatIsNotWritableIsRefusedBeforeTheRun() throws IOException {
        Path locked = Files.createDirectory(dir.resolve("locked"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            assumeFalse(Files.isWritable(locked), "root may write anywhere: nothing to refuse");
            Outcome r = run(locked.resolve("y.npy").toString());
            assertEquals(1, r.code(), r.all());
            assertTrue(r.err().contains("--output " + locked.resolve("y.npy") + ": its directory")
                    && r.err().contains("is not writable"), r.all());
            assertEquals("", r.out());
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void anExistingOutputIsReplacedWhole() throws IOException {
        Path output = Files.writeString(dir.resolve("y.npy"), "old content, longer than nothing at all".repeat(10));
        Outcome r = run(output.toString());
        assertEquals(0, r.code(), r.all());
        assertFalse(Files.readString(output, java.nio.charset.StandardCharsets.ISO_8859_1).contains("old content"));
    }
}
