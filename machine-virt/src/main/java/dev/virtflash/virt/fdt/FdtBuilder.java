package dev.virtflash.virt.fdt;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Writes a flattened device tree blob, version 17 (Devicetree Specification v0.4, chapter 5): header, memory
 * reservation block, structure block and strings block, all big-endian.
 *
 * <p>The tree is written in order: {@link #beginNode(String)}, its properties, its sub-nodes, {@link #endNode()}.
 * The specification requires a node's properties to come before its sub-nodes, so a property after a sub-node is
 * rejected. The first node must be the root, whose name is the empty string. Property names are stored once in the
 * strings block and shared.
 *
 * <p>Phandles are handed out by {@link #allocatePhandle()}, starting at {@link #FIRST_PHANDLE} as QEMU's do, and
 * written with {@link #phandle(int)} (the node's own) or {@link #propertyCells(String, int...)} (a reference).
 *
 * <p>Not supported: overlays, {@code /delete-node/}, editing a tree after it is written.
 */
public final class FdtBuilder {

    /** Magic number at offset 0. */
    public static final int FDT_MAGIC = 0xD00DFEED;
    /** The version written. */
    public static final int VERSION = 17;
    /** The oldest version this blob is backwards compatible with. */
    public static final int LAST_COMPATIBLE_VERSION = 16;
    /** Size of the v17 header: ten 32-bit words. */
    public static final int HEADER_SIZE = 40;
    /** The first phandle {@link #allocatePhandle()} returns; QEMU's boards start at the same number. */
    public static final int FIRST_PHANDLE = 0x8000;

    static final int FDT_BEGIN_NODE = 0x1;
    static final int FDT_END_NODE = 0x2;
    static final int FDT_PROP = 0x3;
    static final int FDT_END = 0x9;

    private final ByteArrayOutputStream struct = new ByteArrayOutputStream();
    private final ByteArrayOutputStream strings = new ByteArrayOutputStream();
    private final Map<String, Integer> stringOffsets = new LinkedHashMap<>();
    private final List<long[]> reservations = new ArrayList<>();
    private final Deque<NodeState> open = new ArrayDeque<>();
    private boolean rootDone;
    private int nextPhandle = FIRST_PHANDLE;
    private int bootCpuId;

    private static final class NodeState {
        final String path;
        final Set<String> properties = new HashSet<>();
        final Set<String> children = new HashSet<>();
        boolean hasChildren;

        NodeState(String path) {
            this.path = path;
        }
    }

    /** Adds an entry to the memory reservation block. */
    public FdtBuilder addReservation(long address, long size) {
        reservations.add(new long[] {address, size});
        return this;
    }

    /** The {@code boot_cpuid_phys} header field (default 0). */
    public FdtBuilder bootCpuId(int id) {
        this.bootCpuId = id;
        return this;
    }

    /** A fresh phandle number, unique within this tree. */
    public int allocatePhandle() {
        return nextPhandle++;
    }

    /**
     * Opens a node. The first call opens the root and must pass {@code ""}; later calls open a sub-node of the
     * innermost open node.
     *
     * @param name node name with optional unit address, e.g. {@code "flash@0"}
     */
    public FdtBuilder beginNode(String name) {
        Objects.requireNonNull(name, "name");
        if (open.isEmpty()) {
            if (rootDone) {
                throw new IllegalStateException("the root node is already closed; a tree has one root");
            }
            if (!name.isEmpty()) {
                throw new IllegalArgumentException("the first node must be the root \"\", got \"" + name + "\"");
            }
            open.push(new NodeState(""));
        } else {
            checkNodeName(name);
            NodeState parent = open.peek();
            if (!parent.children.add(name)) {
                throw new IllegalStateException("node " + childPath(parent, name) + " is written twice");
            }
            parent.hasChildren = true;
            open.push(new NodeState(childPath(parent, name)));
        }
        writeInt(struct, FDT_BEGIN_NODE);
        writePaddedString(struct, name);
        return this;
    }

    /** Closes the innermost open node. */
    public FdtBuilder endNode() {
        if (open.isEmpty()) {
            throw new IllegalStateException("endNode() without an open node");
        }
        open.pop();
        if (open.isEmpty()) {
            rootDone = true;
        }
        writeInt(struct, FDT_END_NODE);
        return this;
    }

    /** A property with raw bytes as its value. */
    public FdtBuilder property(String name, byte[] value) {
        NodeState node = requireOpenNode(name);
        checkPropertyName(name);
        if (node.hasChildren) {
            throw new IllegalStateException("property " + name + " of " + pathOf(node)
                    + " comes after a sub-node; properties must come first");
        }
        if (!node.properties.add(name)) {
            throw new IllegalStateException("property " + name + " of " + pathOf(node) + " is written twice");
        }
        writeInt(struct, FDT_PROP);
        writeInt(struct, value.length);
        writeInt(struct, stringOffset(name));
        struct.write(value, 0, value.length);
        pad4(struct);
        return this;
    }

    /** A property without a value, e.g. {@code dma-coherent;} or {@code ranges;}. */
    public FdtBuilder propertyEmpty(String name) {
        return property(name, new byte[0]);
    }

    /** A property of 32-bit cells, e.g. {@code reg = <0x0 0x9000000 0x0 0x1000>}. */
    public FdtBuilder propertyCells(String name, int... cells) {
        ByteBuffer b = ByteBuffer.allocate(cells.length * 4).order(ByteOrder.BIG_ENDIAN);
        for (int c : cells) {
            b.putInt(c);
        }
        return property(name, b.array());
    }

    /** A property of 64-bit values, each written as two cells (high first). */
    public FdtBuilder propertyU64(String name, long... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.BIG_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        return property(name, b.array());
    }

    /** A NUL-terminated string property. */
    public FdtBuilder propertyString(String name, String value) {
        return propertyStrings(name, value);
    }

    /** A string list: each string NUL-terminated, back to back. */
    public FdtBuilder propertyStrings(String name, String... values) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (String v : values) {
            byte[] s = v.getBytes(StandardCharsets.US_ASCII);
            for (byte c : s) {
                if (c == 0) {
                    throw new IllegalArgumentException("string value of " + name + " contains NUL");
                }
            }
            b.write(s, 0, s.length);
            b.write(0);
        }
        return property(name, b.toByteArray());
    }

    /** The node's own {@code phandle} property. */
    public FdtBuilder phandle(int phandle) {
        return propertyCells("phandle", phandle);
    }

    /** The blob, exactly as large as its content. */
    public byte[] build() {
        return build(0);
    }

    /**
     * The blob, padded with zeros to {@code totalSize} bytes (the header's {@code totalsize} says so), or exactly
     * as large as its content when {@code totalSize} is 0.
     *
     * @throws IllegalStateException if a node is still open, no root was written, or the content does not fit
     */
    public byte[] build(int totalSize) {
        if (!open.isEmpty()) {
            throw new IllegalStateException("node " + pathOf(open.peek()) + " is still open");
        }
        if (!rootDone) {
            throw new IllegalStateException("no root node was written");
        }
        int rsvOffset = HEADER_SIZE; // 40: already a multiple of 8
        int rsvSize = (reservations.size() + 1) * 16;
        int structOffset = rsvOffset + rsvSize;
        byte[] structBytes = structWithEnd();
        int stringsOffset = structOffset + structBytes.length;
        byte[] stringBytes = strings.toByteArray();
        int contentSize = stringsOffset + stringBytes.length;
        int size = totalSize == 0 ? contentSize : totalSize;
        if (size < contentSize) {
            throw new IllegalStateException("device tree needs " + contentSize + " bytes, buffer has " + totalSize);
        }
        ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.BIG_ENDIAN);
        out.putInt(FDT_MAGIC).putInt(size).putInt(structOffset).putInt(stringsOffset).putInt(rsvOffset)
                .putInt(VERSION).putInt(LAST_COMPATIBLE_VERSION).putInt(bootCpuId)
                .putInt(stringBytes.length).putInt(structBytes.length);
        out.position(rsvOffset);
        for (long[] r : reservations) {
            out.putLong(r[0]).putLong(r[1]);
        }
        out.putLong(0).putLong(0);
        out.put(structBytes);
        out.put(stringBytes);
        return out.array();
    }

    private byte[] structWithEnd() {
        ByteArrayOutputStream b = new ByteArrayOutputStream(struct.size() + 4);
        byte[] s = struct.toByteArray();
        b.write(s, 0, s.length);
        writeInt(b, FDT_END);
        return b.toByteArray();
    }

    private NodeState requireOpenNode(String property) {
        if (open.isEmpty()) {
            throw new IllegalStateException("property " + property + " outside any node");
        }
        return open.peek();
    }

    private int stringOffset(String name) {
        Integer off = stringOffsets.get(name);
        if (off == null) {
            off = strings.size();
            byte[] b = name.getBytes(StandardCharsets.US_ASCII);
            strings.write(b, 0, b.length);
            strings.write(0);
            stringOffsets.put(name, off);
        }
        return off;
    }

    private static String pathOf(NodeState n) {
        return n.path.isEmpty() ? "/" : n.path;
    }

    private static String childPath(NodeState parent, String name) {
        return parent.path + "/" + name;
    }

    // Devicetree spec 2.2.1: node names are 1-31 characters of [0-9a-zA-Z,._+-], then an optional @unit-address.
    private static void checkNodeName(String name) {
        int at = name.indexOf('@');
        String base = at < 0 ? name : name.substring(0, at);
        if (base.isEmpty() || base.length() > 31 || !matches(base, ",._+-") || (at >= 0
                && (at == name.length() - 1 || !matches(name.substring(at + 1), ",._+-")))) {
            throw new IllegalArgumentException("node name \"" + name
                    + "\" is not 1-31 characters of [0-9a-zA-Z,._+-] with an optional @unit-address");
        }
    }

    // Devicetree spec 2.2.4: property names are 1-31 characters of [0-9a-zA-Z,._+?#-].
    private static void checkPropertyName(String name) {
        if (name.isEmpty() || name.length() > 31 || !matches(name, ",._+?#-")) {
            throw new IllegalArgumentException("property name \"" + name
                    + "\" is not 1-31 characters of [0-9a-zA-Z,._+?#-]");
        }
    }

    private static boolean matches(String s, String extra) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                    || extra.indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }

    private static void writePaddedString(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        out.write(b, 0, b.length);
        out.write(0);
        pad4(out);
    }

    private static void pad4(ByteArrayOutputStream out) {
        while (out.size() % 4 != 0) {
            out.write(0);
        }
    }
}
