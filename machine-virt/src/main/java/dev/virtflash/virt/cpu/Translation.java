package dev.virtflash.virt.cpu;

/**
 * The outcome of a stage-1 translation: a physical address with the permissions the translating exception level has
 * there, or a fault with the kind and level the architecture reports it with.
 */
sealed interface Translation permits Translation.Mapped, Translation.Fault {

    /**
     * @param physical the physical address of the translated byte
     * @param perms    {@code UC_PROT_*} bits: what the exception level that asked may do with the page
     * @param level    the level of the block or page descriptor (0 with the MMU off)
     */
    record Mapped(long physical, int perms, int level) implements Translation {
    }

    /** A stage-1 fault at a lookup level (0 to 3). */
    record Fault(Kind kind, int level) implements Translation {

        /** The fault status code of ESR_ELx.{I,D}FSC (long-descriptor format): kind | level. */
        int statusCode() {
            return kind.code | level;
        }
    }

    /** Fault kinds with their long-descriptor fault status code at level 0. */
    enum Kind {
        ADDRESS_SIZE(0x00),
        TRANSLATION(0x04),
        ACCESS_FLAG(0x08),
        PERMISSION(0x0C),
        /** A table descriptor's address holds no memory (QEMU: synchronous external abort on the walk). */
        EXTERNAL_ON_WALK(0x14);

        final int code;

        Kind(int code) {
            this.code = code;
        }
    }

    /** What the access that asked for the translation does. */
    enum Access {
        READ, WRITE, FETCH;

        /** From the {@code uc_mem_type} a TLB-fill hook receives. */
        static Access ofMemType(int type) {
            return type == UnicornLibrary.UC_MEM_FETCH ? FETCH
                    : type == UnicornLibrary.UC_MEM_WRITE ? WRITE : READ;
        }
    }
}
