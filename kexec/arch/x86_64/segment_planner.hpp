// SPDX-License-Identifier: GPL-2.0-or-later
// kexec -c: from a LoadPlan's boot inputs (kernel, initrd, command line) to
// the kexec_load call, reading the machine through the SystemView: the
// lockdown/IMA check, the free memory, and for crash kernels the ELF core
// headers, backup and the crash kernel's memory map.
#pragma once

#include <string>
#include <vector>

#include "arch/x86_64/kexec_load_options.hpp"
#include "data/load_plan.hpp"
#include "base/result.hpp"
#include "sys/sysroot.hpp"

namespace kx {

// For -c, and for -a's fallback (planned with the file calls). `notes`
// collects what is worth saying under -d (placement, EFI, video).
Result<SegmentLoadCall> plan_segment_load(const LoadPlan& load, const x86::KexecLoadOptions& opts,
                                          const SystemView& sys, std::vector<std::string>& notes);

}  // namespace kx
