// SPDX-License-Identifier: GPL-2.0-or-later
/* The interface between kexec-uki (which fills these in, by symbol name,
 * after relocating the purgatory) and the purgatory itself.
 *
 * The purgatory runs after the old kernel has copied every kexec segment to
 * its destination: 64-bit mode, identity-mapped, interrupts off, no stack of
 * its own yet. It checks every segment's SHA-256 digest, optionally copies
 * the crash backup region, then jumps to the new kernel. */
#ifndef KX_PURGATORY_H
#define KX_PURGATORY_H

#include <stddef.h>
#include <stdint.h>

/* Everything is hidden, so the compiler addresses it RIP-relative (no GOT):
 * the relocator then only sees PC32/PLT32 and one absolute pointer. */
#pragma GCC visibility push(hidden)

#include "abi.h"

extern uint32_t kx_entry_mode; /* enum kx_entry_mode */
extern struct kx_entry_regs kx_entry_regs;
extern struct kx_entry32_regs kx_entry32_regs;
extern struct kx_entry16_regs kx_entry16_regs;
extern struct kx_region kx_regions[KX_MAX_REGIONS];
extern uint32_t kx_region_count;
extern uint32_t kx_skip_checks;
extern struct kx_console kx_console;
extern struct kx_backup kx_backup;

/* SHA-256, with and without the SHA extensions. */
struct kx_sha256 {
    uint32_t state[8];
    uint64_t length;
    uint8_t buffer[64];
    size_t used;
    void (*blocks)(uint32_t state[8], const uint8_t *data, size_t nblocks);
};

void kx_sha256_blocks_generic(uint32_t state[8], const uint8_t *data, size_t nblocks);
void kx_sha256_blocks_ni(uint32_t state[8], const uint8_t *data, size_t nblocks);
void kx_sha256_init(struct kx_sha256 *h,
                    void (*blocks)(uint32_t state[8], const uint8_t *data, size_t nblocks));
void kx_sha256_update(struct kx_sha256 *h, const void *data, size_t len);
void kx_sha256_final(struct kx_sha256 *h, uint8_t out[32]);

extern const uint32_t *kx_sha256_k; /* the round constants, for SHA-NI */

#pragma GCC visibility pop

/* Outside the hidden region: the unit tests link this SHA-256 code against
 * the C library's versions; the purgatory has its own (string.c). */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#endif
