/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stand-in for the kernel's <linux/types.h> (tests/fuzz/kernel/README.md). */
#ifndef KX_SHIM_LINUX_TYPES_H
#define KX_SHIM_LINUX_TYPES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
#endif
