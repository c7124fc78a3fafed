/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stand-in for the kernel's <linux/minmax.h> (tests/fuzz/kernel/README.md):
 * the kernel's versions also refuse mixed signedness at compile time, which
 * the kernel build checks. */
#ifndef KX_SHIM_LINUX_MINMAX_H
#define KX_SHIM_LINUX_MINMAX_H
#define min(a, b) ({ __typeof__(a) a_ = (a); __typeof__(b) b_ = (b); a_ < b_ ? a_ : b_; })
#define max(a, b) ({ __typeof__(a) a_ = (a); __typeof__(b) b_ = (b); a_ > b_ ? a_ : b_; })
#define min_t(type, a, b) min((type)(a), (type)(b))
#endif
