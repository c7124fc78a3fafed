/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stand-in for the kernel's <linux/kernel.h> (tests/fuzz/kernel/README.md). */
#ifndef KX_SHIM_LINUX_KERNEL_H
#define KX_SHIM_LINUX_KERNEL_H
#include <linux/minmax.h>
#include <linux/types.h>
#define ALIGN(x, a) (((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define sizeof_field(type, member) sizeof(((type *)0)->member)
#endif
