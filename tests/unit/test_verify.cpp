// Authenticode verification against a trust store, as firmware judges an
// image (verify_authenticode): files signed by sbsign with keys made here,
// the digest checked against pesign's, and each way a signature can fail
// to vouch for a file, one test each.
#include <criterion/criterion.h>

#include "helpers.hpp"
#include "pe/authenticode.hpp"
#include "pe/pe_file.hpp"
#include "strings.hpp"

using namespace kx;
using namespace kxt;

namespace {

struct Signing {
    std::string dir = scratch_dir();
    Signing() {
        if (!have_tool("sbsign") || !have_tool("openssl"))
            cr_skip_test("needs sbsigntool and openssl (scripts/install-deps installs them)");
        cr_assert_eq(run_shell("cp '" + systemd_stub_path() + "' '" + dir + "/unsigned.efi'"), 0);
    }
    // A self-signed key pair named `name` (extra: more `openssl req` options).
    void key(const std::string& name, const std::string& extra = "") const {
        cr_assert_eq(run_shell("cd '" + dir + "' && openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=" +
                               name + " " + extra + " -keyout " + name + ".key -out " + name + ".pem 2>/dev/null"),
                     0);
    }
    // A certificate whose validity ended in 2020 (firmware has no clock: still good).
    void expired_key(const std::string& name) const {
        cr_assert_eq(run_shell("cd '" + dir + "' && mkdir ca && touch ca/index.txt && echo 01 >ca/serial && "
                               "printf '[ca]\\ndefault_ca=d\\n[d]\\ndatabase=ca/index.txt\\nserial=ca/serial\\n"
                               "new_certs_dir=ca\\ndefault_md=sha256\\npolicy=p\\n[p]\\ncommonName=supplied\\n' >ca.cnf"
                               " && openssl req -new -newkey rsa:2048 -nodes -subj /CN=" + name + " -keyout " + name +
                               ".key -out " + name + ".csr 2>/dev/null && openssl ca -batch -config ca.cnf -selfsign "
                               "-keyfile " + name + ".key -in " + name + ".csr -startdate 20200101000000Z "
                               "-enddate 20200102000000Z -out " + name + ".pem >/dev/null 2>&1"),
                     0);
    }
    std::string sign(const std::string& in, const std::string& name, const std::string& out) const {
        cr_assert_eq(run_shell("cd '" + dir + "' && sbsign --key " + name + ".key --cert " + name + ".pem --output " +
                               out + " " + in + " >/dev/null 2>&1"),
                     0);
        return read_file(dir + "/" + out);
    }
    pe::TrustStore pem_store(const std::vector<std::string>& names) const {
        std::string pem;
        for (const auto& n : names)
            pem += read_file(dir + "/" + n + ".pem");
        auto t = pe::trust_store_from_pem(span_of(pem), "bundle.pem");
        cr_assert(t.ok(), "%s", t.ok() ? "" : t.error().message.c_str());
        return *t;
    }
};

pe::Verdict verify(const std::string& image, const pe::TrustStore& trust) {
    auto pe = pe::PeFile::parse(span_of(image), "image.efi");
    cr_assert(pe.ok(), "%s", pe.ok() ? "" : pe.error().message.c_str());
    return pe::verify_authenticode(*pe, trust);
}

std::string der_of_pem(const std::string& pem_path) {
    return shell_output("openssl x509 -in '" + pem_path + "' -outform DER");
}

}  // namespace

Test(verify, a_file_signed_by_a_trusted_key_verifies_and_its_digest_is_pesigns) {
    Signing s;
    s.key("alpha");
    const std::string signed_image = s.sign("unsigned.efi", "alpha", "a.efi");
    pe::Verdict v = verify(signed_image, s.pem_store({"alpha"}));
    cr_assert(v.trusted, "%s", v.reason.c_str());
    kx_assert_str(v.reason, "signed by CN=alpha, trusted by bundle.pem");
    if (have_tool("pesign")) {
        auto pe = pe::PeFile::parse(span_of(signed_image), "a.efi");
        const std::string pesign = shell_output("pesign -h -d sha256 -i '" + s.dir + "/a.efi'");
        kx_assert_str(pesign, "hash: " + pe::authenticode_digest_hex(*pe, "sha256").value_or("?") + "\n");
    }
}

Test(verify, another_key_an_unsigned_file_and_a_changed_byte_do_not) {
    Signing s;
    s.key("alpha");
    s.key("beta");
    const std::string signed_image = s.sign("unsigned.efi", "alpha", "a.efi");
    pe::Verdict other = verify(signed_image, s.pem_store({"beta"}));
    cr_assert(!other.trusted);
    kx_assert_str(other.reason, "signature at offset " + std::to_string(83304) +
                                    " by CN=alpha: its certificate does not chain to one in bundle.pem");
    pe::Verdict unsigned_v = verify(read_file(s.dir + "/unsigned.efi"), s.pem_store({"alpha"}));
    cr_assert(!unsigned_v.trusted);
    kx_assert_str(unsigned_v.reason, "it is not signed");
    std::string tampered = signed_image;
    tampered[0x500] ^= 1;  // inside .text
    pe::Verdict t = verify(tampered, s.pem_store({"alpha"}));
    cr_assert(!t.trusted);
    cr_assert(contains(t.reason, "the sha256 digest it signs is not this file's"), "%s", t.reason.c_str());
}

Test(verify, one_good_signature_of_two_is_enough_and_expiry_does_not_matter) {
    Signing s;
    s.key("alpha");
    s.expired_key("old");
    s.sign("unsigned.efi", "alpha", "a.efi");
    const std::string both = s.sign("a.efi", "old", "both.efi");
    pe::Verdict by_old = verify(both, s.pem_store({"old"}));
    cr_assert(by_old.trusted, "%s", by_old.reason.c_str());
    kx_assert_str(by_old.reason, "signed by CN=old, trusted by bundle.pem");
    pe::Verdict by_alpha = verify(both, s.pem_store({"alpha"}));
    cr_assert(by_alpha.trusted, "%s", by_alpha.reason.c_str());
}

Test(verify, dbx_forbids_the_image_digest_or_the_signer) {
    Signing s;
    s.key("alpha");
    const std::string image = s.sign("unsigned.efi", "alpha", "a.efi");
    auto pe = pe::PeFile::parse(span_of(image), "a.efi");
    const std::string digest_hex = pe::authenticode_digest_hex(*pe, "sha256").value_or("");
    pe::TrustStore by_digest = s.pem_store({"alpha"});
    std::array<uint8_t, 32> digest{};
    for (size_t i = 0; i < 32; i++)
        digest[i] = static_cast<uint8_t>(std::stoul(digest_hex.substr(2 * i, 2), nullptr, 16));
    by_digest.forbidden.sha256_digests.push_back(digest);
    pe::Verdict d = verify(image, by_digest);
    cr_assert(!d.trusted);
    kx_assert_str(d.reason, "its SHA-256 Authenticode digest " + digest_hex + " is forbidden by dbx");
    pe::TrustStore by_cert = s.pem_store({"alpha"});
    const std::string der = der_of_pem(s.dir + "/alpha.pem");
    by_cert.forbidden.x509_certificates.emplace_back(der.begin(), der.end());
    pe::Verdict c = verify(image, by_cert);
    cr_assert(!c.trusted);
    cr_assert(contains(c.reason, "certificate CN=alpha is forbidden by dbx"), "%s", c.reason.c_str());
}

Test(verify, a_signer_whose_key_usage_excludes_code_signing_is_refused) {
    Signing s;
    s.key("web", "-addext extendedKeyUsage=serverAuth");
    const std::string image = s.sign("unsigned.efi", "web", "w.efi");
    pe::Verdict v = verify(image, s.pem_store({"web"}));
    cr_assert(!v.trusted);
    cr_assert(contains(v.reason, "extended key usage does not allow code signing"), "%s", v.reason.c_str());
}

Test(verify, pem_bundles_that_hold_no_good_certificate_are_errors) {
    auto none = pe::trust_store_from_pem(span_of(std::string("just text\n")), "x.pem");
    cr_assert(!none.ok());
    kx_assert_str(none.error().message, "x.pem: no PEM certificate in it");
    const std::string broken = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    auto bad = pe::trust_store_from_pem(span_of(broken), "y.pem");
    cr_assert(!bad.ok());
    kx_assert_str(bad.error().message, "y.pem: certificate 1 is malformed");
}
