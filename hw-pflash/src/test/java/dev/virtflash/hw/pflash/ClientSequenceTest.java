package dev.virtflash.hw.pflash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/** The command sequences U-Boot and EDK2 issue on virt (spec §4), replayed cycle by cycle. */
class ClientSequenceTest {

    private static final long BLOCK = Banks.BLOCK;

    /** EDK2 VirtNorFlash: 32-bit commands (c << 16 | c), status polled at the bank base after 0x70. */
    private static final class Edk2 {
        private final Bus bus;

        Edk2(Bus bus) {
            this.bus = bus;
        }

        long status() {
            bus.cmd32(0, 0x70);
            long sr = bus.r32(0);
            assertEquals(0x00800080L, sr & 0x00800080L, "ready in both chips");
            return sr;
        }

        boolean locked(long block) {
            bus.cmd32(block + 8, 0x90);
            return (bus.r32(block + 8) & 1) != 0;
        }

        void erase(long block) {
            assertTrue(!locked(block), "QEMU never reports a lock");
            bus.cmd32(block, 0x20);
            bus.cmd32(block, 0xD0);
            long sr = status();
            assertEquals(0, sr & 0x003A003AL, "no SR.5/SR.4/SR.3/SR.1");
            bus.cmd32(0, 0xFF);
        }

        void bufferProgram(long target, int[] words) {
            assertEquals(32, words.length);
            bus.cmd32(target, 0xE8);
            assertEquals(0x00800080L, bus.r32(target) & 0x00800080L, "write-to-buffer ready");
            bus.w32(target, 0x001F001FL);
            for (int i = 0; i < words.length; i++) {
                bus.w32(target + 4L * i, words[i] & 0xFFFF_FFFFL);
            }
            bus.cmd32(0, 0xD0);                       // confirm at the bank base, not the target
            long sr = status();
            assertEquals(0, sr & 0x001A001AL, "no SR.4/SR.3/SR.1");
            bus.cmd32(0, 0x50);                       // error bits cleared, SR.7 kept (QEMU 7.2: 0x00); read-array
        }
    }

    @Test
    void edk2BlankStoreStartUp() throws Exception {
        RecordingWriteBack wb = new RecordingWriteBack();
        try (PflashCfi01 bank = Banks.virtRam("virt.flash1", wb)) {
            Bus bus = new Bus(bank);
            Edk2 edk2 = new Edk2(bus);
            for (long block = 0; block < 3 * BLOCK; block += BLOCK) {
                edk2.erase(block);
            }
            int[] header = new int[32];
            for (int i = 0; i < 25; i++) {
                header[i] = 0x5A5A0000 + i;           // 0x64 bytes of header
            }
            for (int i = 25; i < 32; i++) {
                header[i] = -1;                       // the rest of the 128-byte span stays erased
            }
            edk2.bufferProgram(0, header);
            assertEquals(0x80, bank.status(), "after 0x50 the chip is still ready (QEMU 7.2: 0x00)");
            assertEquals(WriteState.READ_ARRAY, bank.state());
            for (int i = 0; i < 32; i++) {
                assertEquals(header[i] & 0xFFFF_FFFFL, bus.r32(4L * i));
            }
            assertEquals(0xFFFFFFFFL, bus.r32(3 * BLOCK - 4));
            assertEquals(0, bus.r32(3 * BLOCK), "the fourth block was not touched");
            assertEquals(List.of(new RecordingWriteBack.Call(0, BLOCK), new RecordingWriteBack.Call(BLOCK, BLOCK),
                    new RecordingWriteBack.Call(2 * BLOCK, BLOCK), new RecordingWriteBack.Call(0, 4096)), wb.calls);
        }
    }

    /** U-Boot cfi_flash with a 16-bit port: commands 0x00XX as 16-bit writes, "sectors" of 128 KiB. */
    private static final class UBoot {
        private final Bus bus;

        UBoot(Bus bus) {
            this.bus = bus;
        }

        int poll(long sector) {
            int sr = (int) bus.r16(sector);
            assertTrue((sr & 0x80) != 0, "bit 7 set at once");
            return sr;
        }

        void eraseSector(long sector) {
            bus.w16(sector, 0x50);
            bus.w16(sector, 0x20);
            bus.w16(sector, 0xD0);
            assertEquals(0x80, poll(sector) & 0xBA, "full check: no error bits");
            bus.w16(sector, 0xFF);
        }

        /** Returns the status after confirm (the caller checks it). */
        int bufferProgram(long sector, long dest, short[] words) {
            bus.w16(sector, 0x50);
            bus.w16(sector, 0x70);
            bus.w16(sector, 0xE8);
            poll(sector);
            bus.w16(sector, words.length - 1);
            for (int i = 0; i < words.length; i++) {
                bus.w16(dest + 2L * i, words[i] & 0xFFFF);
            }
            bus.w16(sector, 0xD0);
            int sr = poll(sector);
            bus.w16(sector, 0xFF);
            return sr;
        }
    }

    @Test
    void uBootSaveenvErasesTwoSectorsAndWrites128Buffers() throws Exception {
        RecordingWriteBack wb = new RecordingWriteBack();
        try (PflashCfi01 bank = Banks.virtRam("virt.flash1", wb)) {
            Bus bus = new Bus(bank);
            UBoot uboot = new UBoot(bus);
            uboot.eraseSector(0);
            uboot.eraseSector(0x20000);                // the same QEMU block again
            byte[] env = new byte[0x40000];
            for (int i = 4; i < env.length; i++) {
                env[i] = (byte) (i < 0x300 ? 'a' + i % 26 : 0);
            }
            CRC32 crc = new CRC32();
            crc.update(env, 4, env.length - 4);
            long c = crc.getValue();
            env[0] = (byte) c;
            env[1] = (byte) (c >> 8);
            env[2] = (byte) (c >> 16);
            env[3] = (byte) (c >> 24);
            for (int chunk = 0; chunk < 128; chunk++) {
                short[] words = new short[1024];
                for (int i = 0; i < words.length; i++) {
                    int at = chunk * 2048 + 2 * i;
                    words[i] = (short) ((env[at] & 0xFF) | (env[at + 1] & 0xFF) << 8);
                }
                long sector = chunk * 2048L / 0x20000 * 0x20000;
                int sr = uboot.bufferProgram(sector, chunk * 2048L, words);
                assertEquals(0x80, sr & 0xBA, "chunk " + chunk + ": no error");
            }
            byte[] back = new byte[env.length];
            bank.region().memory().read(0, back, 0, back.length);
            CRC32 check = new CRC32();
            check.update(back, 4, back.length - 4);
            assertEquals(c, (back[0] & 0xFFL) | (back[1] & 0xFFL) << 8 | (back[2] & 0xFFL) << 16
                    | (back[3] & 0xFFL) << 24, "stored CRC");
            assertEquals(c, check.getValue(), "the environment reads back with a good CRC");
            List<RecordingWriteBack.Call> expected = new ArrayList<>();
            expected.add(new RecordingWriteBack.Call(0, BLOCK));
            expected.add(new RecordingWriteBack.Call(0, BLOCK));
            for (int chunk = 0; chunk < 128; chunk++) {
                expected.add(new RecordingWriteBack.Call(chunk * 2048L / 4096 * 4096, 4096));
            }
            assertEquals(expected, wb.calls, "2 block erases, then each 2 KiB chunk writes its 4 KiB window");
        }
    }

    @Test
    void uBootOneWordChunkHitsTheCountZeroFailureOnQemusModel() throws Exception {
        try (PflashCfi01 bank = Banks.qemuRam("virt.flash1")) {
            Bus bus = new Bus(bank);
            oneWordChunk(bus);
            assertEquals(WriteState.READ_ARRAY, bank.state(), "confirm with SR.4 set aborts");
            assertEquals(0xFFFF, bus.r16(0x7FE), "nothing written");
            bus.w16(0, 0x70);
            assertEquals(0x0090, bus.r16(0), "SR.4: U-Boot sees a programming error");
        }
    }

    /** U-Boot's buffered write of one 16-bit word at 0x7FE: a count of 0, the count cycle at the sector base. */
    private static void oneWordChunk(Bus bus) {
        new UBoot(bus).eraseSector(0);
        bus.w16(0, 0x50);
        bus.w16(0, 0x70);
        bus.w16(0, 0xE8);
        bus.w16(0, 0);                     // count 0: one word
        bus.w16(0x7FE, 0x1234);
        bus.w16(0, 0xD0);
    }

    @Test
    void uBootOneWordChunkProgramsOnRealNor() throws Exception {
        try (PflashCfi01 bank = Banks.virtRam("virt.flash1")) {
            Bus bus = new Bus(bank);
            oneWordChunk(bus);
            assertEquals(0x0080, bus.r16(0), "ready, no error");
            bus.w16(0, 0xFF);
            assertEquals(0x1234, bus.r16(0x7FE), "the word is programmed");
        }
    }
}
