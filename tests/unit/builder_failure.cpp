// SPDX-License-Identifier: GPL-2.0-or-later
// In the unit tests, a UKI the builder cannot make fails the test.
#include <criterion/criterion.h>

#include "uki_builder.hpp"

namespace kxt {
[[noreturn]] void builder_failure(const std::string& message) {
    cr_assert_fail("%s", message.c_str());
    __builtin_unreachable();
}
}  // namespace kxt
