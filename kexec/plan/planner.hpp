// SPDX-License-Identifier: GPL-2.0-or-later
// From options and the kernel file to an Invocation (the plan as data). No
// syscall is made here; only files are read.
#pragma once

#include "data/load_plan.hpp"
#include "plan/options.hpp"
#include "base/result.hpp"
#include "sys/sysroot.hpp"

namespace kx {

Result<Invocation> plan_invocation(const Options& opts, const SystemView& sys);

}  // namespace kx
