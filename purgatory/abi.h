// SPDX-License-Identifier: GPL-2.0-or-later
/* The purgatory's variables, as both sides see them: kexec-uki fills them
 * in by symbol name after relocating the purgatory
 * (kexec/arch/x86_64/image_builder.cpp), the purgatory reads them. One
 * header for both, with the layout pinned by static assertions, so the two
 * cannot drift apart. Plain C, no freestanding-only parts. */
#ifndef KX_PURGATORY_ABI_H
#define KX_PURGATORY_ABI_H

#include <stddef.h>
#include <stdint.h>

#define KX_MAX_REGIONS 64

/* One region the purgatory checks before starting the kernel: a segment, or
 * a chunk of a large one (the loader hashes chunks on all its cores). */
struct kx_region {
    uint64_t start;
    uint64_t length;
    uint8_t sha256[32];
};

/* How the kernel is entered (x86 boot protocol). */
enum kx_entry_mode {
    KX_ENTRY_64 = 0, /* 64-bit: long mode, rsi = boot params */
    KX_ENTRY_32 = 1, /* --entry-32bit: protected mode, paging off, esi = boot params */
    KX_ENTRY_16 = 2, /* --real-mode: real mode, at the kernel's setup code */
};

/* Registers loaded just before jumping to rip (64-bit entry). rsp 0
 * keeps the purgatory's own stack. */
struct kx_entry_regs {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rip;
};

/* The same for the 32-bit entry: esp 0 keeps the purgatory's stack. */
struct kx_entry32_regs {
    uint32_t eax, ebx, ecx, edx, esi, edi, esp, ebp;
    uint32_t eip;
};

/* Real mode: segment registers, and cs:ip to far-jump to. */
struct kx_entry16_regs {
    uint32_t eax, ebx, ecx, edx, esi, edi, esp, ebp;
    uint16_t ds, es, ss, fs, gs, cs, ip, pad;
};

struct kx_console {
    uint16_t serial_port; /* 0: no serial output */
    uint16_t pad;
    uint32_t serial_baud; /* 0: leave the UART as it is */
    uint8_t vga;          /* --console-vga: also write to the VGA text screen */
    uint8_t reset_vga;    /* --reset-vga: put the VGA back into text mode first */
    uint8_t legacy_pic;   /* real mode: the 8259 PICs as the BIOS set them */
    uint8_t pad2;
};

struct kx_backup {
    uint64_t src, dst, length; /* length 0: nothing to copy */
};

#ifdef __cplusplus
static_assert(sizeof(struct kx_region) == 48, "kx_region layout");
static_assert(sizeof(struct kx_entry_regs) == 17 * 8, "kx_entry_regs layout");
static_assert(offsetof(struct kx_entry_regs, rsi) == 0x20 && offsetof(struct kx_entry_regs, rip) == 0x80,
              "kx_entry_regs offsets (entry.S)");
static_assert(sizeof(struct kx_entry32_regs) == 36 && offsetof(struct kx_entry32_regs, eip) == 32,
              "kx_entry32_regs offsets (entry.S)");
static_assert(sizeof(struct kx_entry16_regs) == 48 && offsetof(struct kx_entry16_regs, ds) == 32 &&
                  offsetof(struct kx_entry16_regs, cs) == 42 && offsetof(struct kx_entry16_regs, ip) == 44,
              "kx_entry16_regs offsets (entry.S)");
static_assert(sizeof(struct kx_console) == 12, "kx_console layout");
static_assert(sizeof(struct kx_backup) == 24, "kx_backup layout");
#else
_Static_assert(sizeof(struct kx_region) == 48, "kx_region layout");
_Static_assert(sizeof(struct kx_entry_regs) == 17 * 8, "kx_entry_regs layout");
_Static_assert(sizeof(struct kx_entry32_regs) == 36, "kx_entry32_regs layout");
_Static_assert(sizeof(struct kx_entry16_regs) == 48, "kx_entry16_regs layout");
_Static_assert(sizeof(struct kx_console) == 12, "kx_console layout");
_Static_assert(sizeof(struct kx_backup) == 24, "kx_backup layout");
#endif

#endif
