// SPDX-License-Identifier: GPL-2.0-or-later
// The UKI section names (uapi-group UKI specification; systemd's uki.c
// order), with what each one is for.
#pragma once

#include <string_view>

namespace kx::pe {
class PeFile;
}

namespace kx::uki {

enum class SectionKind {
    Linux, Osrel, Cmdline, Initrd, Ucode, Splash, Dtb, Dtbauto, Hwids,
    Uname, Sbat, Pcrsig, Pcrpkey, Profile, Efifw,
};

struct SectionInfo {
    SectionKind kind;
    const char* name;
    bool singleton;      // at most one per profile (.dtbauto/.efifw/.dtb may repeat)
    const char* purpose;
};

// nullptr for sections the UKI spec does not define (stub code, .sbat of
// the stub is defined, unknown payload sections are kept and shown).
const SectionInfo* find_section_info(std::string_view name);
const SectionInfo& section_info(SectionKind kind);

// An addon carries at least one of .cmdline, .dtb, .dtbauto, .initrd, .ucode.
bool has_addon_payload(const pe::PeFile& pe);

}  // namespace kx::uki
