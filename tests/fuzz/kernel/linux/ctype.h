/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stand-in for the kernel's <linux/ctype.h> (tests/fuzz/kernel/README.md). */
#ifndef KX_SHIM_LINUX_CTYPE_H
#define KX_SHIM_LINUX_CTYPE_H
#include <linux/types.h>
#include <ctype.h>
#endif
