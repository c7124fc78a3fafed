// SPDX-License-Identifier: GPL-2.0-or-later
// Carrying out an Invocation through the Backend: the order kexec-tools uses
// (unload, load, shutdown, sync, ifdown, exec), the branch an errno selects
// (the next file call, -a's kexec_load), and every kernel error turned into
// advice. It decides nothing else: the plan holds every call.
#pragma once

#include <cstdio>

#include "sys/backend.hpp"
#include "data/load_plan.hpp"
#include "base/result.hpp"
#include "sys/security.hpp"

namespace kx {

struct ExecEnv {
    Backend& backend;
    const SystemView& sys;
    FILE* debug = nullptr;  // -d: progress lines go here
};

Status execute(const Invocation& inv, ExecEnv& env);

// The individual steps, for tests.
Status execute_load(const LoadPlan& plan, ExecEnv& env);
Status execute_unload(const UnloadPlan& plan, ExecEnv& env);

}  // namespace kx
