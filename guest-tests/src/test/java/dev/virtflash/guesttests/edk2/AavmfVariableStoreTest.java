package dev.virtflash.guesttests.edk2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.virtflash.guesttests.Footprints;
import dev.virtflash.testkit.FlashImage;
import dev.virtflash.testkit.TestBoard;
import dev.virtflash.testkit.FlashFootprint;
import dev.virtflash.testkit.TestMachine;
import dev.virtflash.testkit.VirtBoardExtension;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 8, acceptance 4 and 6: Debian's {@code AAVMF_CODE.fd} read-only in flash0 and a zero 64 MiB VARS image in
 * flash1 reach the UEFI Shell; the variable store is built as spec §4.2 says (firmware-volume header with the
 * 256 x 0x40000 block map and checksum 0xF8F8, variable-store header, fault-tolerant-write working block); a variable
 * the Shell sets survives a {@code reset} (same process) and a second machine (a new boot of the same image), which
 * uses the store without rebuilding it (no bit of block 0 goes from 0 to 1, which only an erase does); VARS stays at
 * 768 KiB allocated; and the firmware's stray writes to the read-only code bank change nothing, in the guest's view
 * or in the file.
 *
 * <p>The variable uses a vendor GUID of its own: AAVMF 2022.11's variable driver refuses a name it does not know
 * under EFI_GLOBAL_VARIABLE ({@code setvar TestVar -nv -guid 8BE4DF61-...} prints "Unable to set"), and a
 * non-volatile variable needs {@code -bs} as well (UEFI: NV without BS is invalid).
 */
@ExtendWith(VirtBoardExtension.class)
class AavmfVariableStoreTest {

    /** The tests' own vendor GUID. */
    static final String GUID = "6F8A7C3E-4B1D-4E2A-9C5B-0D1E2F3A4B5C";
    static final String SET = "setvar TestVar -bs -nv -guid " + GUID + " =L\"hello\"";
    static final String GET = "setvar TestVar -guid " + GUID;
    /** What {@link #GET} prints for L"hello" (UCS-2, 10 bytes). */
    static final String HELLO = GUID + " - TestVar - 000A Bytes\n68 00 65 00 6C 00 6C 00 6F 00 \n";

    // Spec §4.2: the variable store in bank 1 as EDK2 rebuilds it on a blank device.
    static final int FV_LENGTH = 0xC0000;
    static final int BLOCK = 0x40000;
    static final int FTW_WORKING = 0x40000;
    static final UUID SYSTEM_NV_DATA_FV = UUID.fromString("FFF12B8D-7696-4C8B-A985-2747075B4F50");
    static final UUID AUTHENTICATED_VARIABLE = UUID.fromString("AAF32C78-947B-439A-A180-2E144EC37792");
    static final UUID FTW_SIGNATURE = UUID.fromString("9E58292B-7C68-497D-A0CE-6500FD9F1B95");
    /** Where the firmware writes into the read-only code bank (spec §4.2, observed on QEMU). */
    static final long STRAY_WRITE = 0x1CB20;

    @BeforeAll
    static void aavmfIsInstalled() {
        Aavmf.requireInstalled();
    }

    @Test
    void blankVarsIsBuiltThenUsedAndAVariableSurvivesResetAndRestart(TestBoard board) throws Exception {
        byte[] codeDigest = sha256(Aavmf.CODE);
        Path vars = board.image("vars.img", FlashImage.raw());
        byte[] afterFirst;
        try (TestMachine m = Aavmf.machine(board, vars).start()) {
            Aavmf.toShell(m);
            FlashFootprint[] atShell = Footprints.assertOnlyDataTouched(m, "AAVMF at Shell> on a blank VARS");
            assertTrue(atShell[0].dataBytes() <= 3 << 20, "CODE holds about 2 MiB of data: " + atShell[0]);
            assertTrue(atShell[1].dataBytes() <= 768 << 10, "VARS: what the firmware wrote: " + atShell[1]);
            // The stray writes went to the code bank before the Shell came up: the guest still reads the file there.
            assertEquals(dmemLine(fileBytes(Aavmf.CODE, STRAY_WRITE, 16)),
                    dmemFirstLine(Aavmf.run(m, String.format("dmem 0x%x 0x10", STRAY_WRITE))));
            assertEquals("", Aavmf.run(m, SET));
            assertEquals(HELLO, Aavmf.run(m, GET));
            m.type("reset\r");
            Aavmf.toShell(m);
            assertEquals(1, m.resets(), "the Shell's reset restarted the machine in place");
            assertEquals(HELLO, Aavmf.run(m, GET), "the variable after a reset");
            Footprints.assertOnlyDataTouched(m, "AAVMF at Shell> after a reset");
            long allocated = m.allocatedBytes(1); // stops the machine, releases the image
            assertTrue(allocated > 0 && allocated <= 768 << 10, "VARS allocates " + allocated + " bytes");
            afterFirst = m.readFlash(1, 0, FV_LENGTH);
        }
        checkStoreAsSpecSays(afterFirst);

        try (TestMachine m = Aavmf.machine(board, vars).name("aavmf-second").start()) {
            Aavmf.toShell(m);
            assertEquals(HELLO, Aavmf.run(m, GET), "the variable in a new machine on the same image");
            long allocated = m.allocatedBytes(1);
            assertTrue(allocated <= 768 << 10, "VARS allocates " + allocated + " bytes");
            byte[] afterSecond = m.readFlash(1, 0, FV_LENGTH);
            assertArrayEquals(Arrays.copyOf(afterFirst, 0x64), Arrays.copyOf(afterSecond, 0x64),
                    "the store's headers were not rebuilt");
            for (int i = 0; i < BLOCK; i++) {
                int raised = ~afterFirst[i] & afterSecond[i] & 0xFF;
                assertEquals(0, raised, String.format("block 0 byte 0x%x went from 0x%02x to 0x%02x: only an erase "
                        + "sets bits", i, afterFirst[i] & 0xFF, afterSecond[i] & 0xFF));
            }
        }
        assertArrayEquals(codeDigest, sha256(Aavmf.CODE), "AAVMF_CODE.fd unchanged");
    }

    /** The rebuilt store, field by field (spec §4.2, "Blank-store start-up"). */
    static void checkStoreAsSpecSays(byte[] store) {
        ByteBuffer b = ByteBuffer.wrap(store).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 16; i++) {
            assertEquals(0, store[i], "zero vector");
        }
        assertEquals(SYSTEM_NV_DATA_FV, guid(b, 0x10), "FileSystemGuid");
        assertEquals(FV_LENGTH, b.getLong(0x20), "FvLength");
        assertEquals(0x4856_465F, b.getInt(0x28), "_FVH");
        assertEquals(0xE36, b.getInt(0x2C), "attributes of a rebuilt header");
        assertEquals(0x48, b.getShort(0x30), "header length");
        assertEquals((short) 0xF8F8, b.getShort(0x32), "checksum");
        int sum = 0;
        for (int i = 0; i < 0x48; i += 2) {
            sum += b.getShort(i) & 0xFFFF;
        }
        assertEquals(0, sum & 0xFFFF, "the header's 16-bit words sum to 0");
        assertEquals(2, store[0x37], "revision");
        assertEquals(256, b.getInt(0x38), "block map: the whole bank");
        assertEquals(BLOCK, b.getInt(0x3C), "block map: 256 KiB blocks");
        assertEquals(0L, b.getLong(0x40), "block map terminator");
        assertEquals(AUTHENTICATED_VARIABLE, guid(b, 0x48), "variable store GUID");
        assertEquals(0x3FFB8, b.getInt(0x58), "variable store size");
        assertEquals(0x5A, store[0x5C] & 0xFF, "format: formatted");
        assertEquals(0xFE, store[0x5D] & 0xFF, "state: healthy");
        assertEquals(FTW_SIGNATURE, guid(b, FTW_WORKING), "FTW working block signature");
        assertEquals(0xFE, store[FTW_WORKING + 0x14] & 0xFF, "FTW working block state: valid");
        assertEquals(0x3FFE0L, b.getLong(FTW_WORKING + 0x18), "FTW write queue size");
        for (int i = 2 * BLOCK; i < 3 * BLOCK; i++) {
            assertEquals(-1, store[i], "FTW spare block erased");
        }
    }

    private static UUID guid(ByteBuffer b, int at) {
        long d1 = b.getInt(at) & 0xFFFF_FFFFL;
        long d2 = b.getShort(at + 4) & 0xFFFF;
        long d3 = b.getShort(at + 6) & 0xFFFF;
        long hi = d1 << 32 | d2 << 16 | d3;
        long lo = ByteBuffer.wrap(Arrays.copyOfRange(b.array(), at + 8, at + 16)).getLong();
        return new UUID(hi, lo);
    }

    /** The first line of the Shell's {@code dmem} dump, e.g. {@code 0001CB20: 50 C6 01 00 ...}. */
    private static String dmemFirstLine(String output) {
        for (String line : output.split("\n")) {
            String t = line.trim();
            if (t.startsWith(String.format("%08X:", STRAY_WRITE))) {
                return t.substring(0, t.indexOf('*')).trim();
            }
        }
        throw new AssertionError("no dump line in: " + output);
    }

    /** How {@code dmem} prints 16 bytes at {@link #STRAY_WRITE}. */
    private static String dmemLine(byte[] bytes) {
        StringBuilder sb = new StringBuilder(String.format("%08X:", STRAY_WRITE));
        for (int i = 0; i < bytes.length; i++) {
            sb.append(i == 8 ? '-' : ' ').append(String.format(Locale.ROOT, "%02X", bytes[i] & 0xFF));
        }
        return sb.toString();
    }

    private static byte[] fileBytes(Path file, long offset, int length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            byte[] b = new byte[length];
            f.seek(offset);
            f.readFully(b);
            return b;
        }
    }

    private static byte[] sha256(Path file) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
    }
}
