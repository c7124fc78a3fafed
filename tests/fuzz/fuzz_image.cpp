// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target: the -c image builders. The input is a kernel (bzImage
// setup header, or an ELF vmlinux) loaded onto the UEFI guest's captured
// machine: setup header parsing, placement, boot parameters (e820, EFI,
// EDD, setup_data), the purgatory's relocation and digests.
#include "arch/x86_64/boot_params.hpp"
#include "arch/x86_64/bzimage.hpp"
#include "arch/x86_64/elf_kernel.hpp"
#include "arch/x86_64/image_builder.hpp"
#include "fuzz_common.hpp"
#include "data/payload.hpp"

namespace {

const kx::x86::PlatformInfo& guest() {
    static const kx::x86::PlatformInfo platform = [] {
        auto p = kx::x86::read_platform(kx::SystemView(KX_SRCDIR "/tests/fixtures/sysroot-uefi"));
        if (!p.ok())
            kxf::broken("the UEFI fixture tree does not read");
        return std::move(p).value();
    }();
    return platform;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace kx::x86;
    FuzzedDataProvider in(data, size);
    ImageOptions io;
    io.entry_mode = in.PickValueInArray({EntryMode::Long64, EntryMode::Protected32, EntryMode::Real16});
    io.elf_args = in.PickValueInArray({ElfArgStyle::Linux, ElfArgStyle::Elf, ElfArgStyle::None});
    io.efi = in.ConsumeBool();
    io.rng_seed = std::string(32, 'S');
    const bool with_initrd = in.ConsumeBool();
    const std::string cmdline = in.ConsumeRandomLengthString(4096);
    const std::string kernel = in.ConsumeRemainingBytesAsString();

    kx::BootInputs boot;
    boot.kernel = kx::Payload::generated("fuzz kernel", kernel);
    boot.cmdline = cmdline;
    if (with_initrd)
        boot.initrd = kx::Payload::generated("fuzz initrd", std::string(8192, 'I'));
    const PlatformInfo& platform = guest();
    FreeMemory free(platform.memory_map, io.entry_mode == EntryMode::Real16 ? 0x3000 : 0x100000, kNoLimit);
    std::vector<std::string> notes;
    const auto e820 = e820_for_next_kernel(platform.memory_map);
    auto elf = parse_elf_kernel(boot.kernel.contiguous(), "fuzz kernel");
    auto call = elf.ok() ? build_elf_image(*elf, boot, e820, platform, free, io, notes)
                         : build_kexec_image(boot, e820, platform, free, io, notes);
    if (!call.ok())
        return 0;
    // What kexec_load would get: segments inside RAM, not overlapping, and
    // never larger in the buffer than in memory.
    std::vector<std::pair<uint64_t, uint64_t>> placed;
    for (const kx::Segment& s : call->segments) {
        KXF_CHECK(s.data.size() <= s.memsz);
        KXF_CHECK(s.mem + s.memsz >= s.mem);
        for (const auto& [start, end] : placed)
            KXF_CHECK(s.mem + s.memsz <= start || s.mem >= end);
        placed.emplace_back(s.mem, s.mem + s.memsz);
        (void)s.data.sha256();
    }
    return 0;
}
