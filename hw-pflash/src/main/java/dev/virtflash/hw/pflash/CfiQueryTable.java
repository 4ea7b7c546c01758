package dev.virtflash.hw.pflash;

import java.util.Arrays;

/**
 * The CFI query table of one chip, derived from a {@link Geometry} the way QEMU fills it (spec §1.7): the "QRY"
 * header, Intel command set 0x0001 with the primary extended table at 0x31, fixed voltage and timing fields, and
 * the geometry fields (chip size, write buffer, one uniform erase region) computed from the bank's geometry.
 *
 * <p>Indices are CFI locations (one byte each); the table has {@link #LENGTH} entries and any index past it reads 0.
 * On {@code virt} the table reports one x16 chip of 32 MiB with 256 blocks of 128 KiB and a 2 KiB write buffer: two
 * such chips make the 64 MiB bank with 256 KiB erase blocks and a 4 KiB window.
 */
public final class CfiQueryTable {

    /** Entries in the table (QEMU's {@code cfi_table[0x52]}). */
    public static final int LENGTH = 0x52;

    /** Index of the query string "QRY". */
    public static final int QUERY_STRING = 0x10;
    /** Index of the primary command set code (2 bytes). */
    public static final int PRIMARY_COMMAND_SET = 0x13;
    /** Index of the primary extended table address (2 bytes). */
    public static final int PRIMARY_TABLE_ADDRESS = 0x15;
    /** Index of the chip size, as log2 bytes. */
    public static final int DEVICE_SIZE = 0x27;
    /** Index of the interface code (2 bytes). */
    public static final int INTERFACE = 0x28;
    /** Index of the write buffer size, as log2 bytes (2 bytes). */
    public static final int WRITE_BUFFER_SIZE = 0x2A;
    /** Index of the number of erase regions. */
    public static final int ERASE_REGIONS = 0x2C;
    /** Index of erase region 1: blocks - 1 (2 bytes), then block size / 256 (2 bytes). */
    public static final int ERASE_REGION_1 = 0x2D;
    /** Index of the primary extended table ("PRI", version "10"). */
    public static final int EXTENDED_TABLE = 0x31;

    /** Primary command set 0x0001: Intel/Sharp extended. */
    static final int COMMAND_SET_INTEL = 0x0001;
    /** Interface code 0x0002: x8/x16 asynchronous. */
    static final int INTERFACE_X8_X16 = 0x0002;

    private final byte[] table;

    private CfiQueryTable(byte[] table) {
        this.table = table;
    }

    /** Derives the table for {@code geometry}. */
    public static CfiQueryTable derive(Geometry geometry) {
        byte[] t = new byte[LENGTH];
        put(t, QUERY_STRING, 'Q', 'R', 'Y');
        put16(t, PRIMARY_COMMAND_SET, COMMAND_SET_INTEL);
        put16(t, PRIMARY_TABLE_ADDRESS, EXTENDED_TABLE);
        // 0x17..0x1A: no alternate command set, no alternate table.
        put(t, 0x1B, 0x45, 0x55);        // Vcc min 4.5 V, max 5.5 V
        // 0x1D, 0x1E: no Vpp.
        put(t, 0x1F, 0x07, 0x07, 0x0A);  // typical word program 2^7 us, buffer 2^7 us, block erase 2^10 ms
        // 0x22: no chip erase.
        put(t, 0x23, 0x04, 0x04, 0x04);  // maxima: typical x 2^4
        // 0x26: no chip erase maximum.
        t[DEVICE_SIZE] = (byte) Long.numberOfTrailingZeros(geometry.deviceLength());
        put16(t, INTERFACE, INTERFACE_X8_X16);
        put16(t, WRITE_BUFFER_SIZE, geometry.writeBufferBitsPerDevice());
        t[ERASE_REGIONS] = 1;
        put16(t, ERASE_REGION_1, geometry.numBlocks() - 1);
        put16(t, ERASE_REGION_1 + 2, (int) (geometry.sectorLengthPerDevice() >> 8));
        put(t, EXTENDED_TABLE, 'P', 'R', 'I', '1', '0');
        // 0x36..0x3E: no optional features, no suspend, no protection bits.
        t[0x3F] = 0x01;                   // "number of protection fields", where QEMU places it
        return new CfiQueryTable(t);
    }

    /** The byte at CFI location {@code index}; 0 at and past {@link #LENGTH}. */
    public int get(long index) {
        return index >= 0 && index < LENGTH ? table[(int) index] & 0xFF : 0;
    }

    /** A copy of the whole table. */
    public byte[] toArray() {
        return table.clone();
    }

    @Override
    public String toString() {
        return "CfiQueryTable" + Arrays.toString(table);
    }

    private static void put(byte[] t, int at, int... values) {
        for (int i = 0; i < values.length; i++) {
            t[at + i] = (byte) values[i];
        }
    }

    private static void put16(byte[] t, int at, int value) {
        t[at] = (byte) value;
        t[at + 1] = (byte) (value >> 8);
    }
}
