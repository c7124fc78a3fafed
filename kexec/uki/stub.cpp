// SPDX-License-Identifier: GPL-2.0-or-later
#include "uki/stub.hpp"

#include <algorithm>

#include "pe/pe_file.hpp"
#include "base/strings.hpp"

namespace kx::uki {
namespace {

struct FeatureRelease {
    StubFeature feature;
    unsigned since;
    const char* what;  // completes "does not ..."
};

// The first systemd release whose stub does each thing. From systemd's NEWS
// (the "CHANGES WITH N" section named) and checked against the stubs
// themselves (systemd-boot-efi 252, 254, 257 and 262: the strings and
// section names each one's src/boot/stub.c and cpio.c compile in):
// - 254: "systemd-stub can now optionally load UEFI PE add-on images"
//   (ESP/loader/addons and <uki>.extra.d/*.addon.efi, .cmdline only, with
//   the .uname check); 252 has neither "\loader\addons" nor ".addon.efi".
// - 256: "sd-stub gained support for the new .ucode PE section"; "confexts
//   are loaded by systemd-stub ... as well" (*.confext.raw into
//   /.extra/confext; before, the *.raw pattern took them as sysexts).
// - 257: "A new .profile PE section type" (profiles, the "@N" prefix,
//   /.extra/profile); "loading of .ucode sections ... .initrd sections
//   from PE add-on files"; .osrel as /.extra/os-release (252 and 254 pass
//   only .pcrsig and .pcrpkey as /.extra files).
// - 258: "systemd-stub will now also load global sysexts and confexts from
//   ESP/loader/extensions".
constexpr FeatureRelease kStubFeatures[] = {
    {StubFeature::Addons, 254, "load addons"},
    {StubFeature::Ucode, 256, "load a UKI's .ucode"},
    {StubFeature::Confext, 256, "pass *.confext.raw as confexts (it takes them for sysexts)"},
    {StubFeature::Profiles, 257, "know profiles (.profile sections, the \"@N\" prefix, /.extra/profile)"},
    {StubFeature::AddonInitrdUcode, 257, "load addons' .initrd and .ucode (only their .cmdline)"},
    {StubFeature::ExtraOsRelease, 257, "pass .osrel as /.extra/os-release"},
    {StubFeature::GlobalExtensions, 258, "load extensions from the ESP's loader/extensions/"},
};

const FeatureRelease& row(StubFeature feature) {
    return *std::find_if(std::begin(kStubFeatures), std::end(kStubFeatures),
                         [&](const FeatureRelease& r) { return r.feature == feature; });
}

}  // namespace

StubRules StubRules::of(const pe::PeFile& pe) {
    StubRules rules;
    const pe::Section* magic = pe.find_section(".sdmagic");
    if (!magic)
        return rules;
    auto bytes = pe.section_bytes(*magic);
    if (!bytes.ok())
        return rules;
    const std::string text(bytes->begin(), std::find(bytes->begin(), bytes->end(), uint8_t{0}));
    constexpr std::string_view kName = "systemd-stub ";
    const size_t at = text.find(kName);
    if (at == std::string::npos)
        return rules;
    const size_t digits = at + kName.size();
    size_t end = digits;
    while (end < text.size() && end - digits < 6 && text[end] >= '0' && text[end] <= '9')
        end++;
    if (end == digits)
        return rules;
    rules.release_ = static_cast<unsigned>(std::stoul(text.substr(digits, end - digits)));
    const size_t stop = text.find(' ', end);
    rules.identity_ = field(text.substr(at, stop == std::string::npos ? std::string::npos : stop - at));
    return rules;
}

bool StubRules::has(StubFeature feature) const { return !release_ || *release_ >= row(feature).since; }

std::string StubRules::lacks(StubFeature feature) const {
    const FeatureRelease& r = row(feature);
    return "its systemd-stub " + (release_ ? std::to_string(*release_) : std::string("?")) + " does not " + r.what +
           " (systemd " + std::to_string(r.since) + " added that)";
}

}  // namespace kx::uki
