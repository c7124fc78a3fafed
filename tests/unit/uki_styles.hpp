// SPDX-License-Identifier: GPL-2.0-or-later
// Run a UKI test once per real producer layout (uki_builder.hpp): objcopy on
// the 252 stub, ukify's layout reproduced on the 252 and 254 stubs, and the
// real ukify of 257 and 262 on their own stubs. The body takes `style` and
// builds its UKIs with build_uki(style, ...).
#pragma once

#include <criterion/criterion.h>

#include "uki_builder.hpp"

#define KX_UKI_STYLE_TEST_BODY(suite, name) static void suite##_##name##_body(kxt::UkiStyle style)
#define KX_UKI_STYLE(suite, name, tag, style) \
    Test(suite, name##__##tag) { suite##_##name##_body(kxt::UkiStyle::style); }

// Every style.
#define UKI_TEST(suite, name)                          \
    KX_UKI_STYLE_TEST_BODY(suite, name);               \
    KX_UKI_STYLE(suite, name, objcopy, Objcopy)        \
    KX_UKI_STYLE(suite, name, ukify252, Ukify252)      \
    KX_UKI_STYLE(suite, name, ukify254, Ukify254)      \
    KX_UKI_STYLE(suite, name, ukify257, Ukify257)      \
    KX_UKI_STYLE(suite, name, ukify262, Ukify262)      \
    KX_UKI_STYLE_TEST_BODY(suite, name)

// Only ukify can build what the test needs (several profiles: objcopy cannot
// add a second section of one name).
#define UKIFY_TEST(suite, name)                        \
    KX_UKI_STYLE_TEST_BODY(suite, name);               \
    KX_UKI_STYLE(suite, name, ukify252, Ukify252)      \
    KX_UKI_STYLE(suite, name, ukify254, Ukify254)      \
    KX_UKI_STYLE(suite, name, ukify257, Ukify257)      \
    KX_UKI_STYLE(suite, name, ukify262, Ukify262)      \
    KX_UKI_STYLE_TEST_BODY(suite, name)

// A UKI boots as its own stub would (kexec/uki/stub.hpp). Addons came with
// systemd 254's stub ("systemd-stub can now optionally load UEFI PE
// add-on images", NEWS for 254): the addon tests run on the stubs that load
// them; test_uki.cpp shows the 252 stub leaving them out.
#define ADDONS_TEST(suite, name)                       \
    KX_UKI_STYLE_TEST_BODY(suite, name);               \
    KX_UKI_STYLE(suite, name, ukify254, Ukify254)      \
    KX_UKI_STYLE(suite, name, ukify257, Ukify257)      \
    KX_UKI_STYLE(suite, name, ukify262, Ukify262)      \
    KX_UKI_STYLE_TEST_BODY(suite, name)

// What came with 257's stub: profiles ("A new .profile PE section type"),
// addons' .initrd and .ucode, .osrel as /.extra/os-release; .ucode itself
// came with 256 (NEWS). An older stub leaves them out (test_uki.cpp,
// stub_rules).
#define STUB257_TEST(suite, name)                      \
    KX_UKI_STYLE_TEST_BODY(suite, name);               \
    KX_UKI_STYLE(suite, name, ukify257, Ukify257)      \
    KX_UKI_STYLE(suite, name, ukify262, Ukify262)      \
    KX_UKI_STYLE_TEST_BODY(suite, name)
#define PROFILES_TEST(suite, name) STUB257_TEST(suite, name)

// Tests of the reproduction itself (uki_builder.cpp's ukify rules).
#define REPRODUCED_UKIFY_TEST(suite, name)             \
    KX_UKI_STYLE_TEST_BODY(suite, name);               \
    KX_UKI_STYLE(suite, name, ukify252, Ukify252)      \
    KX_UKI_STYLE(suite, name, ukify254, Ukify254)      \
    KX_UKI_STYLE_TEST_BODY(suite, name)
