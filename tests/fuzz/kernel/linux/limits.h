/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stand-in for the kernel's <linux/limits.h> (tests/fuzz/kernel/README.md). */
#ifndef KX_SHIM_LINUX_LIMITS_H
#define KX_SHIM_LINUX_LIMITS_H
#include <linux/types.h>
#include <limits.h>
#endif
