/* The purgatory's C part: check every segment's digest, copy the crash
 * backup region, then return to entry.S, which jumps to the new kernel.
 * A digest mismatch halts the machine: corrupt data must never boot. */
#include "purgatory.h"

/* Filled in by kexec-uki (see kexec/arch/x86_64/purgatory.cpp). */
struct kx_entry_regs kx_entry_regs;
struct kx_region kx_regions[KX_MAX_REGIONS];
uint32_t kx_region_count;
uint32_t kx_skip_checks;
struct kx_console kx_console;
struct kx_backup kx_backup;

/* --- serial console (--console-serial) ---------------------------------- */

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
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

static void puts(const char *s) {
    for (; *s; s++) {
        if (*s == '\n')
            putc_serial('\r');
        putc_serial(*s);
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
    puts("kexec-uki purgatory: starting the kernel at ");
    puthex(kx_entry_regs.rip);
    puts("\n");
}
