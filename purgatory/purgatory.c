// SPDX-License-Identifier: GPL-2.0-or-later
/* The purgatory's C part: check every segment's digest, copy the crash
 * backup region, then return to entry.S, which jumps to the new kernel.
 * A digest mismatch halts the machine: corrupt data must never boot. */
#include "purgatory.h"

/* Filled in by kexec-uki (see kexec/arch/x86_64/image_builder.cpp). */
uint32_t kx_entry_mode;
struct kx_entry_regs kx_entry_regs;
struct kx_entry32_regs kx_entry32_regs;
struct kx_entry16_regs kx_entry16_regs;
struct kx_region kx_regions[KX_MAX_REGIONS];
uint32_t kx_region_count;
uint32_t kx_skip_checks;
struct kx_console kx_console;
struct kx_backup kx_backup;

/* --- consoles: serial (--console-serial), VGA text (--console-vga) -------- */

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) {
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static void serial_init(void) {
    uint16_t port = kx_console.serial_port;
    if (!port || !kx_console.serial_baud)
        return;
    uint16_t divisor = (uint16_t)(115200 / kx_console.serial_baud);
    outb(port + 3, 0x80); /* DLAB */
    outb(port + 0, (uint8_t)divisor);
    outb(port + 1, (uint8_t)(divisor >> 8));
    outb(port + 3, 0x03); /* 8N1 */
    outb(port + 1, 0x00); /* no interrupts */
    outb(port + 2, 0x07); /* FIFO on, cleared */
    outb(port + 4, 0x03); /* DTR, RTS */
}

static void putc_serial(char c) {
    uint16_t port = kx_console.serial_port;
    if (!port)
        return;
    for (unsigned spins = 0; spins < 100000 && !(inb(port + 5) & 0x20); spins++)
        ;
    outb(port, (uint8_t)c);
}

/* The VGA text screen at 0xb8000, 80x25, grey on black; scrolls up. */
enum { kVgaColumns = 80, kVgaRows = 25 };
static unsigned vga_row = 1, vga_column;

static void putc_vga(char c) {
    volatile uint16_t *screen = (volatile uint16_t *)(uintptr_t)0xb8000;
    if (!kx_console.vga)
        return;
    if (vga_row >= kVgaRows) {
        for (unsigned i = 0; i < (kVgaRows - 1) * kVgaColumns; i++)
            screen[i] = screen[i + kVgaColumns];
        for (unsigned i = 0; i < kVgaColumns; i++)
            screen[(kVgaRows - 1) * kVgaColumns + i] = 0x0720;
        vga_row = kVgaRows - 1;
    }
    if (c == '\n') {
        vga_column = 0;
        vga_row++;
        return;
    }
    screen[vga_row * kVgaColumns + vga_column] = (uint16_t)(0x0700 | (uint8_t)c);
    if (++vga_column == kVgaColumns) {
        vga_column = 0;
        vga_row++;
    }
}

static void puts(const char *s) {
    for (; *s; s++) {
        if (*s == '\n')
            putc_serial('\r');
        putc_serial(*s);
        putc_vga(*s);
    }
}

/* --reset-vga: back to the standard 80x25 text mode (mode 3) by writing its
 * register set, for video hardware the old kernel left in graphics mode. */
static void reset_vga(void) {
    /* Sequencer (0x3c4), CRT controller (0x3d4) and graphics controller
     * (0x3ce) registers: index in the low byte, value in the high byte. */
    static const uint16_t sequencer[] = {0x0300, 0x0001, 0x0302, 0x0003, 0x0204};
    static const uint16_t crtc[] = {0x5f00, 0x4f01, 0x5002, 0x8203, 0x5504, 0x8105, 0xbf06, 0x1f07,
                                    0x0008, 0x4f09, 0x200a, 0x0e0b, 0x000c, 0x000d, 0x010e, 0xe00f,
                                    0x9c10, 0x8e11, 0x8f12, 0x2813, 0x1f14, 0x9615, 0xb916, 0xa317,
                                    0xff18};
    static const uint16_t graphics[] = {0x0000, 0x0001, 0x0002, 0x0003, 0x0004,
                                        0x1005, 0x0e06, 0x0007, 0xff08};
    /* Attribute controller (0x3c0): palette 0-15, then mode control etc. */
    static const uint8_t attributes[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a,
                                         0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x0c, 0x00, 0x0f, 0x08, 0x00};
    (void)inb(0x3da); /* the attribute controller's flip-flop to "index" */
    outb(0x3c0, 0x00);
    for (unsigned i = 0; i < sizeof sequencer / sizeof *sequencer; i++)
        outw(0x3c4, sequencer[i]);
    outw(0x3d4, 0x0e11); /* unlock CRTC registers 0-7 */
    for (unsigned i = 0; i < sizeof crtc / sizeof *crtc; i++)
        outw(0x3d4, crtc[i]);
    for (unsigned i = 0; i < sizeof graphics / sizeof *graphics; i++)
        outw(0x3ce, graphics[i]);
    for (unsigned i = 0; i < sizeof attributes; i++) {
        (void)inb(0x3da);
        outb(0x3c0, (uint8_t)i);
        outb(0x3c0, attributes[i]);
    }
    (void)inb(0x3da);
    outb(0x3c0, 0x20); /* video on */
}

/* Real mode: the kernel's setup code calls the BIOS, which expects the two
 * 8259 PICs as it programmed them (IRQ 0-7 at vector 8, 8-15 at 0x70). */
static void legacy_pic(void) {
    static const struct {
        uint16_t port;
        uint8_t value;
    } steps[] = {
        {0x21, 0xff}, {0xa1, 0xff},                 /* mask everything */
        {0x20, 0x11}, {0x21, 0x08}, {0x21, 0x01},   /* master: init, vector 8, 8086 mode */
        {0xa0, 0x11}, {0xa1, 0x70}, {0xa1, 0x01},   /* slave: init, vector 0x70, 8086 mode */
        {0x21, 0x00}, {0xa1, 0x00},                 /* unmask */
    };
    for (unsigned i = 0; i < sizeof steps / sizeof *steps; i++) {
        outb(steps[i].port, steps[i].value);
        outb(0x80, 0); /* a short delay */
    }
}

static void puthex(uint64_t v) {
    static const char digits[] = "0123456789abcdef";
    char buf[19] = "0x";
    for (int i = 0; i < 16; i++)
        buf[2 + i] = digits[(v >> (60 - 4 * i)) & 15];
    buf[18] = 0;
    puts(buf);
}

/* --- CPU features ---------------------------------------------------------- */

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d) {
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

static int cpu_has_sha_ni(void) {
    uint32_t a, b, c, d;
    cpuid(0, 0, &a, &b, &c, &d);
    if (a < 7)
        return 0;
    uint32_t max = a;
    cpuid(1, 0, &a, &b, &c, &d);
    int ssse3 = (c >> 9) & 1, sse41 = (c >> 19) & 1, fxsr = (d >> 24) & 1;
    (void)max;
    cpuid(7, 0, &a, &b, &c, &d);
    int sha = (b >> 29) & 1;
    return ssse3 && sse41 && fxsr && sha;
}

/* The kexec trampoline leaves CR4.OSFXSR clear, so SSE instructions would
 * fault; turn SSE on for the SHA-NI rounds and restore the state after. */
struct cr_state {
    uint64_t cr0, cr4;
};

static struct cr_state enable_sse(void) {
    struct cr_state s;
    __asm__ volatile("mov %%cr0, %0" : "=r"(s.cr0));
    __asm__ volatile("mov %%cr4, %0" : "=r"(s.cr4));
    uint64_t cr0 = (s.cr0 & ~(1ull << 2) /* EM */ & ~(1ull << 3) /* TS */) | (1ull << 1) /* MP */;
    uint64_t cr4 = s.cr4 | (1ull << 9) /* OSFXSR */ | (1ull << 10) /* OSXMMEXCPT */;
    __asm__ volatile("mov %0, %%cr0" ::"r"(cr0));
    __asm__ volatile("mov %0, %%cr4" ::"r"(cr4));
    return s;
}

static void restore_cr(struct cr_state s) {
    __asm__ volatile("mov %0, %%cr4" ::"r"(s.cr4));
    __asm__ volatile("mov %0, %%cr0" ::"r"(s.cr0));
}

static void halt_forever(void) {
    for (;;)
        __asm__ volatile("cli; hlt");
}

/* --- the checks ------------------------------------------------------------ */

static int verify_regions(void (*blocks)(uint32_t *, const uint8_t *, size_t)) {
    for (uint32_t i = 0; i < kx_region_count && i < KX_MAX_REGIONS; i++) {
        const struct kx_region *r = &kx_regions[i];
        struct kx_sha256 h;
        uint8_t digest[32];
        kx_sha256_init(&h, blocks);
        kx_sha256_update(&h, (const void *)(uintptr_t)r->start, r->length);
        kx_sha256_final(&h, digest);
        if (memcmp(digest, r->sha256, 32) != 0) {
            puts("kexec-uki purgatory: SHA-256 mismatch in segment at ");
            puthex(r->start);
            puts(" (length ");
            puthex(r->length);
            puts("): the loaded image was corrupted; halting\n");
            return 0;
        }
    }
    return 1;
}

void kx_purgatory_main(void) {
    if (kx_console.reset_vga)
        reset_vga();
    serial_init();
    puts("kexec-uki purgatory\n");
    if (!kx_skip_checks) {
        int ok;
        if (cpu_has_sha_ni()) {
            puts("kexec-uki purgatory: checking digests (SHA-NI)\n");
            struct cr_state saved = enable_sse();
            ok = verify_regions(kx_sha256_blocks_ni);
            restore_cr(saved);
        } else {
            puts("kexec-uki purgatory: checking digests\n");
            ok = verify_regions(kx_sha256_blocks_generic);
        }
        if (!ok)
            halt_forever();
        puts("kexec-uki purgatory: digests match\n");
    }
    if (kx_backup.length)
        memcpy((void *)(uintptr_t)kx_backup.dst, (const void *)(uintptr_t)kx_backup.src, kx_backup.length);
    if (kx_console.legacy_pic)
        legacy_pic();
    puts("kexec-uki purgatory: starting the kernel at ");
    if (kx_entry_mode == KX_ENTRY_16) {
        puthex((uint64_t)kx_entry16_regs.cs * 16 + kx_entry16_regs.ip);
        puts(" (real mode)\n");
    } else if (kx_entry_mode == KX_ENTRY_32) {
        puthex(kx_entry32_regs.eip);
        puts(" (32-bit)\n");
    } else {
        puthex(kx_entry_regs.rip);
        puts("\n");
    }
}
