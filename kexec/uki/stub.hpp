// SPDX-License-Identifier: GPL-2.0-or-later
// What the systemd-stub a UKI carries would do with it. A UKI boots through
// its own stub, so a UKI built on systemd-stub 254 never got its .ucode or
// its addons' initrds, whatever a newer stub would do: kexec boots it as its
// own stub would. The stub names its release in the .sdmagic section
// ("#### LoaderInfo: systemd-stub 254.26-1~bpo12+1 ####").
#pragma once

#include <optional>
#include <string>

namespace kx::pe {
class PeFile;
}

namespace kx::uki {

// What arrived in which systemd release (kStubFeatures in stub.cpp says where
// each version comes from).
enum class StubFeature { Addons, Ucode, Confext, Profiles, AddonInitrdUcode, ExtraOsRelease, GlobalExtensions };

class StubRules {
public:
    // From the PE's .sdmagic. A file without one (or with one that names no
    // systemd-stub release) is booted as the newest stub would: has() is
    // true for everything.
    static StubRules of(const pe::PeFile& pe);

    bool has(StubFeature feature) const;
    // "systemd-stub 254.26-1~bpo12+1"; empty when the file names no stub.
    const std::string& identity() const { return identity_; }
    std::optional<unsigned> release() const { return release_; }
    // Why `feature` is left out: "its systemd-stub 254 does not load
    // addons (systemd 254 added that)". Only for a feature has() denies.
    std::string lacks(StubFeature feature) const;

private:
    std::string identity_;
    std::optional<unsigned> release_;
};

}  // namespace kx::uki
