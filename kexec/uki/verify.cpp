// SPDX-License-Identifier: GPL-2.0-or-later
#include "uki/verify.hpp"

#include <algorithm>

#include "data/memfd.hpp"
#include "base/strings.hpp"

namespace kx::uki {
namespace {

// efivarfs names: NAME-VENDORGUID.
constexpr const char* kEfiVars = "/sys/firmware/efi/efivars/";
constexpr const char* kGlobalVariable = "-d719b2cb-3d3a-4596-a3bc-dad00e67656f";  // EFI_IMAGE_SECURITY_DATABASE_GUID
constexpr const char* kShimLock = "-605dab50-e046-4300-abb6-3dd810dd8b23";

// The signature lists in one variable, or nothing when it does not exist.
Result<std::optional<pe::SignatureDatabase>> read_variable(const SystemView& sys, const std::string& name,
                                                           const char* vendor) {
    const std::string path = kEfiVars + name + vendor;
    KX_ASSIGN(std::optional<std::string> bytes, sys.read_text_if_exists(path));
    if (!bytes)
        return std::optional<pe::SignatureDatabase>();
    const std::string contents = std::move(*bytes);
    const std::span<const uint8_t> raw(reinterpret_cast<const uint8_t*>(contents.data()), contents.size());
    auto parsed = pe::parse_efi_variable_signature_lists(raw, sys.resolve(path));
    if (!parsed.ok())
        return parsed.take_error();
    return std::optional(std::move(parsed).value());
}

Result<pe::TrustStore> firmware_trust(const SystemView& sys) {
    pe::TrustStore trust;
    trust.source = "the UEFI db";
    KX_ASSIGN(auto db, read_variable(sys, "db", kGlobalVariable));
    if (!db)
        return make_error(std::string("no UEFI db to verify against (") + kEfiVars + "db" +
                          kGlobalVariable + " is missing: not booted by UEFI, or efivarfs not mounted); "
                          "name a PEM bundle instead: --uki-verify=FILE");
    KX_ASSIGN(auto mok, read_variable(sys, "MokListRT", kShimLock));
    KX_ASSIGN(auto dbx, read_variable(sys, "dbx", kGlobalVariable));
    KX_ASSIGN(auto mokx, read_variable(sys, "MokListXRT", kShimLock));
    for (auto* list : {&db, &mok})
        if (*list)
            for (auto& c : (**list).x509_certificates)
                trust.trusted_certificates.push_back(std::move(c));
    if (mok)
        trust.source = "the UEFI db and shim's MOK list";
    if (dbx)
        trust.forbidden.append(std::move(*dbx));
    if (mokx)
        trust.forbidden.append(std::move(*mokx));
    if (trust.trusted_certificates.empty())
        return make_error("the UEFI db holds no X.509 certificate: nothing can be verified "
                          "against it; name a PEM bundle instead: --uki-verify=FILE");
    return trust;
}

}  // namespace

Result<pe::TrustStore> load_trust_store(const std::string& source, const SystemView& sys,
                                        const pe::SignaturePolicy& policy) {
    pe::TrustStore trust;
    if (source == kTrustFirmwareDb) {
        KX_ASSIGN(trust, firmware_trust(sys));
    } else {
        KX_ASSIGN(FileRef pem, MappedFile::open(source));
        KX_ASSIGN(trust, pe::trust_store_from_pem(pem->bytes(), source));
    }
    trust.policy = policy;
    return trust;
}

Result<std::shared_ptr<const pe::TrustStore>> trust_store_for(const std::string& option, const std::string& source,
                                                              const SystemView& sys, const pe::SignaturePolicy& policy) {
    auto loaded = load_trust_store(source, sys, policy);
    if (!loaded.ok()) {
        Error e = loaded.take_error();
        e.message = option + ": " + e.message;
        return e;
    }
    return std::make_shared<const pe::TrustStore>(std::move(loaded).value());
}

Result<std::string> require_trusted(const pe::PeFile& pe, const std::string& name, const pe::TrustStore& trust) {
    pe::Verdict v = pe::verify_authenticode(pe, trust);
    if (!v.trusted)
        return make_error(name + ": not trusted by " + trust.source + ": " + v.reason);
    return std::move(v.reason);
}

Result<VerifiedFile> verify_sealed_copy(const FileRef& file, const pe::TrustStore& trust, uint64_t& copy_budget) {
    const std::string& name = file->path();
    // Refuse before copying what cannot verify: a file without a signature
    // (its headers and certificate table are all that is read of it), or
    // one too large to copy.
    KX_ASSIGN(pe::PeFile headers, pe::PeFile::parse(file->bytes(), name));
    if (headers.certificates().empty())
        return make_error(name + ": not trusted by " + trust.source + ": it is not signed");
    const auto& certs = headers.certificates();
    if (std::none_of(certs.begin(), certs.end(), [](const pe::Certificate& c) {
            return c.type == pe::kWinCertTypePkcsSignedData && c.revision == pe::kWinCertRevision2;
        }))
        return make_error(name + ": not trusted by " + trust.source +
                          ": it carries no Authenticode signature (no PKCS#7 certificate entry of revision 2.0)");
    if (file->size() > copy_budget)
        return make_error(name + ": too large to verify: kexec verifies a copy in sealed memory, and " +
                              format_size(file->size()) + " is more than it may take now (" +
                              format_size(copy_budget) + " left of half the memory available)",
                          ENOMEM);
    KX_ASSIGN(FileRef copy, sealed_copy(file));
    copy_budget -= file->size();
    KX_ASSIGN(pe::PeFile sealed, pe::PeFile::parse(copy->bytes(), name));
    KX_ASSIGN(std::string vouched, require_trusted(sealed, name, trust));
    return VerifiedFile{std::move(copy), std::move(vouched)};
}

AddonTrust addon_trust_for(std::shared_ptr<const pe::TrustStore> uki_trust, const std::string& option,
                           bool secure_boot, const SystemView& sys, const pe::SignaturePolicy& policy) {
    if (uki_trust)
        return {option, std::move(uki_trust), ""};
    if (!secure_boot)
        return {};
    auto db = load_trust_store(kTrustFirmwareDb, sys, policy);
    if (!db.ok())
        return {"Secure Boot", nullptr, db.error().message};
    return {"Secure Boot", std::make_shared<const pe::TrustStore>(std::move(db).value()), ""};
}

}  // namespace kx::uki
