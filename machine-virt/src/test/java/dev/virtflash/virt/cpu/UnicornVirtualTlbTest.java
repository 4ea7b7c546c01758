package dev.virtflash.virt.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.jna.Pointer;
import dev.virtflash.memory.HostMemory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What Unicorn 2.1.1's virtual TLB does with a TLB-fill hook, the mechanism the page-table walker is built on. Each
 * assertion is a measured fact the binding relies on.
 */
class UnicornVirtualTlbTest {

    static final long RAM = 0x4000_0000L;
    static final long REFUSED = 0x5000_0000L;
    static final long DATA = RAM + 0x10_0000;
    static final long REMAPPED = 0x7000_0000L;

    @TempDir
    Path tmp;

    record Fill(long vaddr, int type, int el) {
    }

    @Test
    void fillHookFaultsFlushesAndCodeDropsBehaveAsTheWalkerAssumes() throws Exception {
        GuestProgram p = GuestProgram.build("vtlb_probe", RAM, tmp);
        try (HostMemory ram = HostMemory.allocate("ram", 2 << 20);
             UnicornEngine engine = UnicornEngine.openCortexA57()) {
            byte[] image = p.image();
            ram.write(0, image, 0, image.length);
            engine.mapPointer(RAM, 2 << 20, UnicornLibrary.UC_PROT_ALL, ram.address());
            List<Fill> fills = new ArrayList<>();
            long stalePage = p.symbol("stale_fn") & -4096L;
            engine.hookTlbFill((uc, vaddr, type, result, ud) -> {
                int el = (int) ((engine.pstate() >>> 2) & 3);
                engine.sysReg(new int[]{3, 0, 2, 0, 0}); // TTBR0_EL1: CP_REG reads work inside the hook
                fills.add(new Fill(vaddr, type, el));
                if (vaddr == REFUSED) {
                    return false;
                }
                long pa = vaddr;
                if (vaddr == REMAPPED) {
                    pa = stalePage;
                } else if (vaddr >= UnicornEngine.PHYSICAL_WINDOW) {
                    pa = vaddr - UnicornEngine.PHYSICAL_WINDOW;
                }
                Pointer e = new Pointer(result);
                e.setLong(UnicornLibrary.TLB_ENTRY_PADDR_OFFSET, pa);
                e.setInt(UnicornLibrary.TLB_ENTRY_PERMS_OFFSET, UnicornLibrary.UC_PROT_ALL);
                return true;
            }, 1, 0);
            engine.x(1, REFUSED);
            engine.x(2, DATA);

            // A refused data access: uc_emu_start returns UC_ERR_EXCEPTION with PC on the faulting instruction and
            // the earlier instructions of its block done; the hook got the page address, not the access address.
            int err = engine.start(RAM, p.symbol("el0_done"));
            assertEquals(UnicornLibrary.UC_ERR_EXCEPTION, err);
            assertEquals(p.symbol("data_fault"), engine.pc());
            assertEquals(7, engine.x(5));
            assertEquals(new Fill(REFUSED, UnicornLibrary.UC_MEM_READ, 1), fills.get(fills.size() - 1));
            fills.clear();

            // A refused fetch: PC is the fetch address.
            err = engine.start(REFUSED + 0x10, p.symbol("el0_done"));
            assertEquals(UnicornLibrary.UC_ERR_EXCEPTION, err);
            assertEquals(REFUSED + 0x10, engine.pc());
            assertEquals(List.of(new Fill(REFUSED, UnicornLibrary.UC_MEM_FETCH, 1)), fills);
            fills.clear();

            // Which instructions make Unicorn ask again (F = code page fetch, D = data page load).
            err = engine.start(p.symbol("resume"), p.symbol("el0_done"));
            assertEquals(UnicornLibrary.UC_ERR_OK, err);
            StringBuilder seen = new StringBuilder();
            for (Fill f : fills) {
                seen.append(f.vaddr() == DATA ? "D" : f.vaddr() == RAM ? "F" : "?").append(f.el()).append(' ');
            }
            assertEquals("D1 "          // first load; the second one hits
                            + "F1 D1 "  // TLBI VMALLE1 flushes everything
                            + "D1 "     // TLBI VAE1 flushes that page
                            // a TTBR0 write with the same ASID does not flush; one with a new ASID does:
                            + "F1 D1 "
                            + "F1 D1 "  // a TCR write flushes; an SCTLR write of the same value does not
                            + "F0 D0 ", // EL0 has its own TLB (MMU index): the same pages are asked for again
                    seen.toString());
            fills.clear();

            // Code translated at one VA (called from elsewhere: uc_emu_start drops the block it starts at), changed through the host pointer, stays stale until TB_REMOVE_CACHE, which
            // takes a *virtual* address and translates it as an instruction fetch through the hook. An address in a
            // window the guest never uses, mapped by the hook to the physical page, drops the code by physical page.
            engine.pstate(0x3c5);
            engine.spsr(1, 0x3c5);
            engine.start(p.symbol("caller"), p.symbol("called"));
            assertEquals(1, engine.x(0));
            ram.store(stalePage - RAM, 4, 0xd2800040L); // mov x0, #2
            engine.start(p.symbol("caller"), p.symbol("called"));
            assertEquals(1, engine.x(0), "stale");
            fills.clear();
            engine.removeTranslations(stalePage, stalePage + 4096); // adds UnicornEngine.PHYSICAL_WINDOW
            assertEquals(List.of(new Fill(UnicornEngine.PHYSICAL_WINDOW + stalePage, UnicornLibrary.UC_MEM_FETCH, 1)),
                    fills);
            engine.start(p.symbol("caller"), p.symbol("called"));
            assertEquals(2, engine.x(0), "dropped through the window");
        }
    }

}
