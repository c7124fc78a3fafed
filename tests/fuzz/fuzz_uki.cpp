// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target: everything kexec does with an untrusted PE before any
// syscall: probe, parse as a UKI, --uki-info (text and JSON), and plan the
// boot of every profile (initrd assembly, setup header). Built with
// configure --enable-fuzzing (clang); run with `make fuzz`.
#include <cstddef>
#include <cstdint>
#include <string>

#include "arch/x86_64/bzimage.hpp"
#include "plan/kernel_file.hpp"
#include "uki/boot.hpp"
#include "uki/info.hpp"
#include "uki/uki.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto file = kx::MappedFile::from_bytes("fuzz.efi", std::string(reinterpret_cast<const char*>(data), size));
    (void)kx::probe_image(file->bytes(), "fuzz.efi");
    auto uki = kx::uki::Uki::parse(file);
    if (!uki.ok())
        return 0;
    (void)kx::uki::uki_info_text(*uki);
    (void)kx::uki::uki_info_json(*uki);
    for (const auto& profile : uki->profiles()) {
        if (profile.index > 8)
            break;
        kx::uki::BootRequest req;
        req.profile = std::to_string(profile.index);
        req.search_addons = false;
        auto boot = kx::uki::plan_uki_boot(*uki, req);
        if (!boot.ok())
            continue;
        (void)boot->initrd.sha256();
        (void)kx::x86::parse_bzimage64(boot->kernel.contiguous(), "fuzz .linux");
    }
    return 0;
}
