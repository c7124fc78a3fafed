// SPDX-License-Identifier: GPL-2.0-or-later
// Run a UKI test once per real producer layout (uki_builder.hpp): objcopy on
// Debian 12's stub, ukify on the 252 stub, ukify on the 254 stub. The body
// takes `style` and builds its UKIs with build_uki(style, ...).
#pragma once

#include <criterion/criterion.h>

#include "uki_builder.hpp"

#define KX_UKI_STYLE_TEST_BODY(suite, name) static void suite##_##name##_body(kxt::UkiStyle style)

// Every style.
#define UKI_TEST(suite, name)                                                         \
    KX_UKI_STYLE_TEST_BODY(suite, name);                                              \
    Test(suite, name##__objcopy) { suite##_##name##_body(kxt::UkiStyle::Objcopy); }   \
    Test(suite, name##__ukify252) { suite##_##name##_body(kxt::UkiStyle::Ukify252); } \
    Test(suite, name##__ukify254) { suite##_##name##_body(kxt::UkiStyle::Ukify254); } \
    KX_UKI_STYLE_TEST_BODY(suite, name)

// Only ukify can build what the test needs (several profiles: objcopy cannot
// add a second section of one name).
#define UKIFY_TEST(suite, name)                                                       \
    KX_UKI_STYLE_TEST_BODY(suite, name);                                              \
    Test(suite, name##__ukify252) { suite##_##name##_body(kxt::UkiStyle::Ukify252); } \
    Test(suite, name##__ukify254) { suite##_##name##_body(kxt::UkiStyle::Ukify254); } \
    KX_UKI_STYLE_TEST_BODY(suite, name)
