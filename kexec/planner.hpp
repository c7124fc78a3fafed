// From options and the kernel file to an Invocation (the plan as data). No
// syscall is made here; only files are read.
#pragma once

#include "load_plan.hpp"
#include "options.hpp"
#include "result.hpp"
#include "sysroot.hpp"

namespace kx {

Result<Invocation> plan_invocation(const Options& opts, const SystemView& sys);

// The kexec_load (-c) image for a planned load: segments, purgatory, entry.
// Called for -c, and lazily for -a when kexec_file_load cannot be used.
// `notes` collects what is worth saying under -d (placement, EFI, video).
Result<SegmentLoadCall> plan_segment_load(const LoadPlan& load, const Options& opts,
                                          const SystemView& sys, std::vector<std::string>& notes);

// The size of the crash kernel region loads go to (the highest "Crash
// kernel" range, as kexec-tools reports it), 0 when none is reserved.
uint64_t crash_region_size(const SystemView& sys);

}  // namespace kx
