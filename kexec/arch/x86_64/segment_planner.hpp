// SPDX-License-Identifier: GPL-2.0-or-later
// kexec -c: from a LoadPlan's boot inputs (kernel, initrd, command line) to
// the kexec_load call, reading the machine through the SystemView: the
// lockdown/IMA check, the free memory, and for crash kernels the ELF core
// headers, backup and the crash kernel's memory map.
#pragma once

#include <string>
#include <vector>

#include "load_plan.hpp"
#include "options.hpp"
#include "result.hpp"
#include "sysroot.hpp"

namespace kx {

// Called for -c, and lazily for -a when kexec_file_load cannot be used.
// `notes` collects what is worth saying under -d (placement, EFI, video).
Result<SegmentLoadCall> plan_segment_load(const LoadPlan& load, const Options& opts,
                                          const SystemView& sys, std::vector<std::string>& notes);

}  // namespace kx
