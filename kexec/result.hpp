// Errors as values: every fallible step returns Result<T>, whose error is one
// line naming the file (or option) and what is wrong with it.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace kx {

struct Error {
    std::string message;  // one line, no trailing newline
    int sys_errno = 0;    // errno of the failing call, when there was one
};

inline Error make_error(std::string message, int sys_errno = 0) {
    return Error{std::move(message), sys_errno};
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
// Declare `var` from a Result<T>, returning its error on failure.
#define KX_ASSIGN(var, expr) KX_ASSIGN_IMPL(KX_CONCAT(kx_assign_, __LINE__), var, expr)
#define KX_ASSIGN_IMPL(tmp, var, expr)                \
    auto tmp = (expr);                                \
    if (!tmp.ok())                                    \
        return tmp.take_error();                      \
    var = std::move(tmp).value()
