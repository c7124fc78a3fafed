// SPDX-License-Identifier: GPL-2.0-or-later
// Keys made with openssl and files signed with sbsign, in a scratch
// directory: what the Authenticode tests sign and verify with.
#pragma once

#include <criterion/criterion.h>

#include <string>
#include <vector>

#include "helpers.hpp"
#include "pe/authenticode.hpp"
#include "uki_builder.hpp"

namespace kxt {

struct Signing {
    std::string dir = scratch_dir();
    Signing() {
        if (!have_tool("sbsign") || !have_tool("openssl"))
            cr_skip_test("needs sbsigntool and openssl (scripts/install-deps installs them)");
        cr_assert_eq(run_shell("cp '" + stub_path(UkiStyle::Ukify252) + "' '" + dir + "/unsigned.efi'"), 0);
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
    kx::pe::TrustStore pem_store(const std::vector<std::string>& names) const {
        std::string pem;
        for (const auto& n : names)
            pem += read_file(dir + "/" + n + ".pem");
        auto t = kx::pe::trust_store_from_pem(span_of(pem), "bundle.pem");
        cr_assert(t.ok(), "%s", t.ok() ? "" : t.error().message.c_str());
        return *t;
    }
};

}  // namespace kxt
