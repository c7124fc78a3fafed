/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stand-in for the kernel's <linux/string.h> (tests/fuzz/kernel/README.md). */
#ifndef KX_SHIM_LINUX_STRING_H
#define KX_SHIM_LINUX_STRING_H
#include <linux/types.h>
#include <string.h>
#endif
