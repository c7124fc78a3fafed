/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stand-in for the kernel's <linux/errno.h> (tests/fuzz/kernel/README.md). */
#ifndef KX_SHIM_LINUX_ERRNO_H
#define KX_SHIM_LINUX_ERRNO_H
#include <linux/types.h>
#include <asm/errno.h>  /* the system's E-constants; <errno.h> comes here too */
#endif
