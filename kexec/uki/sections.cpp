// SPDX-License-Identifier: GPL-2.0-or-later
#include "uki/sections.hpp"

#include "pe/pe_file.hpp"

namespace kx::uki {
namespace {

const SectionInfo kSections[] = {
    {SectionKind::Linux, ".linux", true, "kernel"},
    {SectionKind::Osrel, ".osrel", true, "os-release"},
    {SectionKind::Cmdline, ".cmdline", true, "kernel command line"},
    {SectionKind::Initrd, ".initrd", true, "initrd"},
    {SectionKind::Ucode, ".ucode", true, "microcode initrd"},
    {SectionKind::Splash, ".splash", true, "boot splash image"},
    {SectionKind::Dtb, ".dtb", false, "devicetree"},
    {SectionKind::Dtbauto, ".dtbauto", false, "devicetree, selected by .hwids"},
    {SectionKind::Hwids, ".hwids", true, "hardware IDs for .dtbauto/.efifw"},
    {SectionKind::Uname, ".uname", true, "kernel release (uname -r)"},
    {SectionKind::Sbat, ".sbat", true, "SBAT revocation metadata"},
    {SectionKind::Pcrsig, ".pcrsig", true, "TPM2 PCR signature (JSON)"},
    {SectionKind::Pcrpkey, ".pcrpkey", true, "TPM2 PCR public key (PEM)"},
    {SectionKind::Profile, ".profile", true, "profile separator (ID=, TITLE=)"},
    {SectionKind::Efifw, ".efifw", false, "firmware image, selected by .hwids"},
};

}  // namespace

const SectionInfo* find_section_info(std::string_view name) {
    for (const SectionInfo& s : kSections)
        if (name == s.name)
            return &s;
    return nullptr;
}

const SectionInfo& section_info(SectionKind kind) {
    for (const SectionInfo& s : kSections)
        if (s.kind == kind)
            return s;
    return kSections[0];
}

bool has_addon_payload(const pe::PeFile& pe) {
    for (const char* name : {".cmdline", ".dtb", ".dtbauto", ".initrd", ".ucode"})
        if (const pe::Section* s = pe.find_section(name); s && s->file_size() != 0)
            return true;
    return false;
}

}  // namespace kx::uki
