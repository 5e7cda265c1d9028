package io.attn4j.bench.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The report's processor rows: parsed from /proc/cpuinfo text and cache sizes, and read from this machine. */
class ProcessorTest {
    private static final String ZEN5 = """
            processor	: 0
            vendor_id	: AuthenticAMD
            cpu family	: 26
            model		: 2
            model name	: AMD EPYC
            stepping	: 1
            microcode	: 0xffffffff

            processor	: 1
            vendor_id	: AuthenticAMD
            cpu family	: 26
            model		: 17
            stepping	: 0
            """;

    @Test
    void namesFamilyModelSteppingAndCachesOfTheFirstProcessor() {
        Processor p = Processor.parse(ZEN5, new long[]{49152, 1 << 20, 32L << 20}, "sysfs");
        assertEquals("AuthenticAMD family 26 (0x1a), model 2 (0x2), stepping 1", p.describeCpu());
        assertEquals("L1d 48 KiB, L2 1 MiB, L3 32 MiB (sysfs)", p.describeCaches());
    }

    @Test
    void saysUnknownForWhatItCannotRead() {
        Processor p = Processor.parse("model name : something\n", new long[3], "sysconf");
        assertEquals("unknown", p.describeCpu());
        assertEquals("unknown", p.describeCaches());
        assertEquals("L1d 48 KiB, L2 unknown, L3 1000 B (sysconf)",
                Processor.parse("", new long[]{49152, 0, 1000}, "sysconf").describeCaches());
    }

    @Test
    void readsThisMachine() {
        Processor p = Processor.read();
        boolean linuxX86 = System.getProperty("os.name").startsWith("Linux")
                && System.getProperty("os.arch").matches("amd64|x86_64");
        if (linuxX86) {
            // x86 kernels list vendor and family for every processor; sysfs or glibc's CPUID know L1d
            assertTrue(p.family() >= 0 && !p.vendor().isEmpty(), p.toString());
            assertTrue(p.l1d() > 0 && p.describeCaches().startsWith("L1d "), p.toString());
        } else {
            assertNotNull(p.describeCpu());
        }
    }
}
