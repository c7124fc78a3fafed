// SPDX-License-Identifier: GPL-2.0-or-later
// Errors as values: every fallible step returns Result<T>, whose error is one
// line naming the file (or option) and what is wrong with it.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace kx {

// The exit statuses of kexec-tools 2.0.32 (kexec.h, main() returns its
// result), so scripts that act on them (openSUSE's load.sh passes it on as
// the service's) see the same numbers.
namespace exit_status {
constexpr int kOk = 0;
constexpr int kDie = 1;            // die() and usage errors: bad options, no crash memory, unreadable -c input
constexpr int kFailed = 255;       // EFAILED (-1): a load, unload or exec that failed
constexpr int kNoCrashKernel = 254;  // ENOCRASHKERNEL (-2): the crash region cannot be described
constexpr int kFallback = 253;     // EFALLBACK (-3): kexec_file_load cannot take it; kexec_load might
}  // namespace exit_status

struct Error {
    std::string message;  // one line, no trailing newline
    int sys_errno = 0;    // errno of the failing call, when there was one
    int exit_status = exit_status::kFailed;  // what kexec exits with because of it
};

inline Error make_error(std::string message, int sys_errno = 0) {
    return Error{std::move(message), sys_errno};
}

// An error kexec-tools reports through die() or usage(): exit status 1.
inline Error usage_error(std::string message) {
    return Error{std::move(message), 0, exit_status::kDie};
}

// The same error with another exit status.
inline Error with_exit_status(Error e, int status) {
    e.exit_status = status;
    return e;
}

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}
    Result(Error error) : v_(std::move(error)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const { return std::get<1>(v_); }
    Error take_error() { return std::get<1>(std::move(v_)); }

private:
    std::variant<T, Error> v_;
};

// Result<void>.
class [[nodiscard]] Status {
public:
    Status() = default;
    Status(Error error) : error_(std::move(error)), failed_(true) {}
    static Status success() { return {}; }

    bool ok() const { return !failed_; }
    explicit operator bool() const { return ok(); }
    const Error& error() const { return error_; }
    Error take_error() { return std::move(error_); }

private:
    Error error_;
    bool failed_ = false;
};

}  // namespace kx

// Propagate an error from an expression yielding Result<T> or Status.
#define KX_TRY(expr)                                  \
    do {                                              \
        auto kx_try_result_ = (expr);                 \
        if (!kx_try_result_.ok())                     \
            return kx_try_result_.take_error();       \
    } while (0)

#define KX_CONCAT_INNER(a, b) a##b
#define KX_CONCAT(a, b) KX_CONCAT_INNER(a, b)
// Declare `var` from a Result<T>, returning its error on failure. (`var` is
// a declaration such as "auto x", so it cannot be parenthesized.)
// NOLINTBEGIN(bugprone-macro-parentheses)
#define KX_ASSIGN(var, expr) KX_ASSIGN_IMPL(KX_CONCAT(kx_assign_, __LINE__), var, expr)
#define KX_ASSIGN_IMPL(tmp, var, expr)                \
    auto tmp = (expr);                                \
    if (!tmp.ok())                                    \
        return tmp.take_error();                      \
    var = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)
