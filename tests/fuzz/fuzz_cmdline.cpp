// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target: command lines. The stub's "@N " profile prefix and its
// mangling of .cmdline, kexec-tools' remove_parameter(), and
// --reuse-cmdline/--append composition from a fuzzed /proc/cmdline.
#include "plan/cmdline.hpp"
#include "fuzz_common.hpp"
#include "uki/boot.hpp"
#include "uki/uki.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzedDataProvider in(data, size);
    const std::string running = in.ConsumeRandomLengthString(4096);
    const std::string name = in.ConsumeRandomLengthString(32);
    const std::string appended = in.ConsumeRandomLengthString(1024);
    const bool crash = in.ConsumeBool(), reuse = in.ConsumeBool(), append = in.ConsumeBool();
    const std::string raw = in.ConsumeRemainingBytesAsString();

    // remove_parameter only ever takes text away.
    const std::string removed = kx::remove_parameter(running, name);
    KXF_CHECK(removed.size() <= running.size());

    // The stub's reading of .cmdline: no control characters, no space at
    // either end, nothing after a NUL.
    const std::string mangled = kx::uki::mangle_cmdline(raw);
    for (char c : mangled)
        KXF_CHECK(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
    KXF_CHECK(mangled.empty() || (mangled.front() != ' ' && mangled.back() != ' '));
    KXF_CHECK(mangled.size() <= raw.size());

    std::string prefixed = mangled;
    if (auto profile = kx::uki::take_profile_prefix(prefixed))
        KXF_CHECK(prefixed.size() < mangled.size());
    else
        KXF_CHECK(prefixed == mangled);

    kx::SystemView sys = kxf::empty_machine();
    sys.set_file("/proc/cmdline", running);
    kx::Options o;
    o.crash = crash;
    o.reuse_cmdline = reuse;
    if (append)
        o.append = appended;
    auto composed = kx::compose_user_cmdline(o, sys);
    if (composed.ok() && *composed && append && !reuse)
        KXF_CHECK((*composed)->text == appended);
    return 0;
}
