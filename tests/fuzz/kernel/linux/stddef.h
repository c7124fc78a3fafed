/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stand-in for the kernel's <linux/stddef.h> (tests/fuzz/kernel/README.md). */
#ifndef KX_SHIM_LINUX_STDDEF_H
#define KX_SHIM_LINUX_STDDEF_H
#include <linux/types.h>
#include <stddef.h>
#endif
