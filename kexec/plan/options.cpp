// SPDX-License-Identifier: GPL-2.0-or-later
#include "plan/options.hpp"

#include <getopt.h>
#include <utility>

#include "base/strings.hpp"

namespace kx {
namespace {

enum OptionId : int {
    OPT_HELP = 'h',
    OPT_VERSION = 'v',
    OPT_DEBUG = 'd',
    OPT_FORCE = 'f',
    OPT_NOCHECKS = 'i',
    OPT_NOIFDOWN = 'x',
    OPT_NOSYNC = 'y',
    OPT_LOAD = 'l',
    OPT_UNLOAD = 'u',
    OPT_EXEC = 'e',
    OPT_TYPE = 't',
    OPT_PANIC = 'p',
    OPT_KEXEC_FILE_SYSCALL = 's',
    OPT_KEXEC_SYSCALL = 'c',
    OPT_KEXEC_SYSCALL_AUTO = 'a',
    OPT_STATUS = 'S',
    OPT_MEM_MIN = 256,
    OPT_MEM_MAX,
    OPT_REUSE_INITRD,
    OPT_LOAD_PRESERVE_CONTEXT,
    OPT_LOAD_JUMP_BACK_HELPER,
    OPT_ENTRY,
    OPT_PRINT_CKR_SIZE,
    OPT_LOAD_LIVE_UPDATE,
    OPT_EXEC_LIVE_UPDATE,
    OPT_HOTPLUG,
    OPT_NO_CMA,
    OPT_FORCE_DTB,
    // image options
    OPT_APPEND,
    OPT_REUSE_CMDLINE,
    OPT_RAMDISK,
    OPT_REAL_MODE,
    OPT_ENTRY_32BIT,
    OPT_ARGS_LINUX,
    OPT_ARGS_ELF,
    OPT_ARGS_NONE,
    OPT_MODULE,
    OPT_DTB,
    // architecture options
    OPT_RESET_VGA,
    OPT_SERIAL,
    OPT_SERIAL_BAUD,
    OPT_CONSOLE_VGA,
    OPT_CONSOLE_SERIAL,
    OPT_ELF32_CORE,
    OPT_ELF64_CORE,
    OPT_PASS_MEMMAP_CMDLINE,
    OPT_NOEFI,
    OPT_REUSE_VIDEO_TYPE,
    // ours
    OPT_DRY_RUN,
    OPT_SYSROOT,
    OPT_UKI_INFO,
    OPT_JSON,
    OPT_UKI_PROFILE,
    OPT_UKI_ADDON,
    OPT_UKI_NO_ADDONS,
    OPT_UKI_STRICT,
    OPT_UKI_VERIFY,
    OPT_UKI_ALLOW_SHA1,
};

const struct option kLongOptions[] = {
    {"help", no_argument, nullptr, OPT_HELP},
    {"version", no_argument, nullptr, OPT_VERSION},
    {"force", no_argument, nullptr, OPT_FORCE},
    {"no-checks", no_argument, nullptr, OPT_NOCHECKS},
    {"no-ifdown", no_argument, nullptr, OPT_NOIFDOWN},
    {"no-sync", no_argument, nullptr, OPT_NOSYNC},
    {"load", no_argument, nullptr, OPT_LOAD},
    {"load-panic", no_argument, nullptr, OPT_PANIC},
    {"unload", no_argument, nullptr, OPT_UNLOAD},
    {"exec", no_argument, nullptr, OPT_EXEC},
    {"exec-live-update", no_argument, nullptr, OPT_EXEC_LIVE_UPDATE},
    {"load-preserve-context", no_argument, nullptr, OPT_LOAD_PRESERVE_CONTEXT},
    {"load-jump-back-helper", no_argument, nullptr, OPT_LOAD_JUMP_BACK_HELPER},
    {"load-live-update", no_argument, nullptr, OPT_LOAD_LIVE_UPDATE},
    {"entry", required_argument, nullptr, OPT_ENTRY},
    {"type", required_argument, nullptr, OPT_TYPE},
    {"mem-min", required_argument, nullptr, OPT_MEM_MIN},
    {"mem-max", required_argument, nullptr, OPT_MEM_MAX},
    {"reuseinitrd", no_argument, nullptr, OPT_REUSE_INITRD},
    {"kexec-file-syscall", no_argument, nullptr, OPT_KEXEC_FILE_SYSCALL},
    {"kexec-syscall", no_argument, nullptr, OPT_KEXEC_SYSCALL},
    {"kexec-syscall-auto", no_argument, nullptr, OPT_KEXEC_SYSCALL_AUTO},
    {"debug", no_argument, nullptr, OPT_DEBUG},
    {"status", no_argument, nullptr, OPT_STATUS},
    {"print-ckr-size", no_argument, nullptr, OPT_PRINT_CKR_SIZE},
    {"hotplug", no_argument, nullptr, OPT_HOTPLUG},
    {"no-cma", no_argument, nullptr, OPT_NO_CMA},
    {"force-dtb", no_argument, nullptr, OPT_FORCE_DTB},
    {"command-line", required_argument, nullptr, OPT_APPEND},
    {"append", required_argument, nullptr, OPT_APPEND},
    {"reuse-cmdline", no_argument, nullptr, OPT_REUSE_CMDLINE},
    {"initrd", required_argument, nullptr, OPT_RAMDISK},
    {"ramdisk", required_argument, nullptr, OPT_RAMDISK},
    {"real-mode", no_argument, nullptr, OPT_REAL_MODE},
    {"entry-32bit", no_argument, nullptr, OPT_ENTRY_32BIT},
    {"args-linux", no_argument, nullptr, OPT_ARGS_LINUX},
    {"args-elf", no_argument, nullptr, OPT_ARGS_ELF},
    {"args-none", no_argument, nullptr, OPT_ARGS_NONE},
    {"module", required_argument, nullptr, OPT_MODULE},
    {"dtb", required_argument, nullptr, OPT_DTB},
    {"reset-vga", no_argument, nullptr, OPT_RESET_VGA},
    {"serial", required_argument, nullptr, OPT_SERIAL},
    {"serial-baud", required_argument, nullptr, OPT_SERIAL_BAUD},
    {"console-vga", no_argument, nullptr, OPT_CONSOLE_VGA},
    {"console-serial", no_argument, nullptr, OPT_CONSOLE_SERIAL},
    {"elf32-core-headers", no_argument, nullptr, OPT_ELF32_CORE},
    {"elf64-core-headers", no_argument, nullptr, OPT_ELF64_CORE},
    {"pass-memmap-cmdline", no_argument, nullptr, OPT_PASS_MEMMAP_CMDLINE},
    {"noefi", no_argument, nullptr, OPT_NOEFI},
    {"reuse-video-type", no_argument, nullptr, OPT_REUSE_VIDEO_TYPE},
    {"dry-run", optional_argument, nullptr, OPT_DRY_RUN},
    {"sysroot", required_argument, nullptr, OPT_SYSROOT},
    {"uki-info", optional_argument, nullptr, OPT_UKI_INFO},  // FILE may also follow as the operand
    {"json", no_argument, nullptr, OPT_JSON},
    {"uki-profile", required_argument, nullptr, OPT_UKI_PROFILE},
    {"uki-addon", required_argument, nullptr, OPT_UKI_ADDON},
    {"uki-no-addons", no_argument, nullptr, OPT_UKI_NO_ADDONS},
    {"uki-strict", no_argument, nullptr, OPT_UKI_STRICT},
    {"uki-verify", optional_argument, nullptr, OPT_UKI_VERIFY},
    {"uki-allow-sha1", no_argument, nullptr, OPT_UKI_ALLOW_SHA1},
    {nullptr, 0, nullptr, 0},
};

// kexec-tools' KEXEC_OPT_STR; the leading ':' makes getopt report a missing
// argument as ':' so we can word the error ourselves.
const char kShortOptions[] = ":h?vdfixyluet:pscaS";

// kexec-tools 2.0.32's long options on x86_64 (KEXEC_ALL_OPTIONS). Its users
// abbreviate them ("--u" for --unload, "--d" for --debug); our own options
// must not make those prefixes ambiguous, so a prefix that names exactly one
// of these is expanded before getopt sees it.
const char* const kKexecToolsLongOptions[] = {
    "help", "version", "force", "no-checks", "no-ifdown", "no-sync", "load", "unload", "exec",
    "exec-live-update", "load-preserve-context", "load-jump-back-helper", "load-live-update", "entry",
    "type", "load-panic", "mem-min", "mem-max", "reuseinitrd", "kexec-file-syscall", "kexec-syscall",
    "kexec-syscall-auto", "debug", "status", "print-ckr-size", "hotplug", "reset-vga", "serial",
    "serial-baud", "console-vga", "console-serial", "elf32-core-headers", "elf64-core-headers",
    "pass-memmap-cmdline", "noefi", "reuse-video-type", "command-line", "append", "reuse-cmdline",
    "initrd", "ramdisk", "args-elf", "args-linux", "args-none", "module", "real-mode", "entry-32bit",
    "dtb",
};

// Options of the kernel image loaders (kexec-tools numbers them from
// OPT_ARCH_MAX): its main() refuses them, with its usage, when nothing is
// loaded (-u, -e, -S). Our UKI options are of the same kind.
bool is_image_option(int id) {
    switch (id) {
    case OPT_APPEND: case OPT_REUSE_CMDLINE: case OPT_RAMDISK: case OPT_REAL_MODE: case OPT_ENTRY_32BIT:
    case OPT_ARGS_LINUX: case OPT_ARGS_ELF: case OPT_ARGS_NONE: case OPT_MODULE: case OPT_DTB:
    case OPT_PASS_MEMMAP_CMDLINE: case OPT_NOEFI: case OPT_REUSE_VIDEO_TYPE:
    case OPT_UKI_PROFILE: case OPT_UKI_ADDON: case OPT_UKI_NO_ADDONS: case OPT_UKI_STRICT: case OPT_UKI_VERIFY:
    case OPT_UKI_ALLOW_SHA1:
        return true;
    default:
        return false;
    }
}

// "--u" -> "--unload" when it abbreviates exactly one kexec-tools option
// (and is not already one of ours spelled out in full). A prefix that is
// ambiguous among all our options is an error naming the candidates, as
// getopt's is for kexec-tools ("--d": --debug or --dtb).
Result<std::string> expand_abbreviation(const std::string& arg) {
    if (!starts_with(arg, "--") || arg.size() == 2)
        return arg;
    const size_t eq = arg.find('=');
    const std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    std::vector<std::string> ours;
    for (const struct option* o = kLongOptions; o->name; o++) {
        if (name == o->name)
            return arg;  // exact: getopt takes it
        if (starts_with(o->name, name))
            ours.push_back(std::string("--") + o->name);
    }
    std::vector<const char*> theirs;
    for (const char* candidate : kKexecToolsLongOptions)
        if (starts_with(candidate, name))
            theirs.push_back(candidate);
    if (theirs.size() == 1)
        return "--" + std::string(theirs[0]) + (eq == std::string::npos ? "" : arg.substr(eq));
    if (ours.size() > 1) {
        std::string list;
        for (const auto& o : ours)
            list += (list.empty() ? "" : ", ") + o;
        return usage_error("option " + quote(arg.substr(0, eq)) + " is ambiguous (" + list + ")");
    }
    return arg;  // one of ours, or unknown: getopt decides
}

const char* option_name(int id) {
    for (const struct option* o = kLongOptions; o->name; o++)
        if (o->val == id)
            return o->name;
    return "?";
}

// kexec-tools prints its usage and exits 1 for a bad --mem-min, --mem-max
// or --entry; for a bad --serial or --serial-baud its arch code returns -1,
// nothing is loaded, and it exits 255.
Error bad_value(int id, const char* value, const char* expected) {
    Error e = usage_error(std::string("bad value for --") + option_name(id) + ": " + quote(value) +
                          " (expected " + expected + ")");
    if (id == OPT_SERIAL || id == OPT_SERIAL_BAUD)
        e.exit_status = exit_status::kFailed;
    return e;
}

// kexec_load's own options (x86::KexecLoadOptions); others are left alone.
Status apply_kexec_load_option(x86::KexecLoadOptions& k, int opt, const char* arg) {
    switch (opt) {
    case OPT_ENTRY: {
        auto v = parse_u64(arg);
        if (!v)
            return bad_value(opt, arg, "an address");
        k.entry = *v;
        break;
    }
    case OPT_MEM_MIN:
    case OPT_MEM_MAX: {
        auto v = parse_u64(arg);
        if (!v)
            return bad_value(opt, arg, "an address such as 0x100000");
        if (opt == OPT_MEM_MIN)
            k.mem_min = *v;
        else
            k.mem_max = *v;
        break;
    }
    case OPT_NOCHECKS: k.skip_checks = true; break;
    case OPT_HOTPLUG: k.hotplug = true; break;
    case OPT_REAL_MODE: k.real_mode = true; break;
    case OPT_ENTRY_32BIT: k.entry_32bit = true; break;
    case OPT_ARGS_LINUX: k.elf_args = x86::ElfArgStyle::Linux; break;
    case OPT_ARGS_ELF: k.elf_args = x86::ElfArgStyle::Elf; break;
    case OPT_ARGS_NONE: k.elf_args = x86::ElfArgStyle::None; break;
    case OPT_RESET_VGA: k.reset_vga = true; break;
    case OPT_SERIAL: {
        // Same forms kexec-tools accepts: ttyS0, ttyS1 or a 0x port number.
        std::string_view s = arg;
        std::optional<uint64_t> port;
        if (s == "ttyS0")
            port = 0x3f8;
        else if (s == "ttyS1")
            port = 0x2f8;
        else if (starts_with(s, "0x"))
            port = parse_u64(s);
        if (!port || *port >= 65536)
            return bad_value(opt, arg, "ttyS0, ttyS1 or an I/O port such as 0x3f8");
        k.serial_base = static_cast<uint16_t>(*port);
        break;
    }
    case OPT_SERIAL_BAUD: {
        auto v = parse_u64(arg);
        if (!v || *v > 115200 || *v < 9600 || 115200 % *v != 0)
            return bad_value(opt, arg, "a baud rate that divides 115200, 9600 or more");
        k.serial_baud = static_cast<uint32_t>(*v);
        break;
    }
    case OPT_CONSOLE_VGA: k.console_vga = true; break;
    case OPT_CONSOLE_SERIAL: k.console_serial = true; break;
    case OPT_PASS_MEMMAP_CMDLINE: k.pass_memmap_cmdline = true; break;
    case OPT_NOEFI: k.noefi = true; break;
    case OPT_REUSE_VIDEO_TYPE: k.reuse_video_type = true; break;
    default: break;
    }
    return {};
}

// The options that say what to do (-l, -p, -u, -e, -f, ...): each sets the
// whole set of do_* switches, as kexec-tools' option loop does.
Status apply_action_option(Options& o, int opt, const char* arg) {
    switch (opt) {
    case OPT_NOIFDOWN: o.do_ifdown = false; break;  // final value fixed up after the loop
    case OPT_FORCE:
        o.do_load = true;
        o.do_shutdown = false;
        o.do_sync = true;
        o.do_ifdown = true;
        o.do_exec = true;
        break;
    case OPT_LOAD:
        o.has_opt_load = true;
        o.do_load = true;
        o.do_exec = false;
        o.do_shutdown = false;
        break;
    case OPT_UNLOAD:
        o.do_load = false;
        o.do_shutdown = false;
        o.do_sync = false;
        o.do_unload = true;
        break;
    case OPT_EXEC:
        o.do_load = false;
        o.do_shutdown = false;
        o.do_sync = true;
        o.do_ifdown = true;
        o.do_exec = true;
        break;
    case OPT_LOAD_JUMP_BACK_HELPER:
        o.do_load = false;
        o.do_shutdown = false;
        o.do_sync = true;
        o.do_ifdown = true;
        o.do_exec = false;
        o.load_jump_back_helper = true;
        o.kexec_load.preserve_context = true;
        o.crash = false;
        break;
    case OPT_LOAD_PRESERVE_CONTEXT:
    case OPT_LOAD_LIVE_UPDATE:
        o.do_load = true;
        o.do_exec = false;
        o.do_shutdown = false;
        o.do_sync = true;
        o.kexec_load.preserve_context = opt == OPT_LOAD_PRESERVE_CONTEXT;
        o.live_update = opt == OPT_LOAD_LIVE_UPDATE;
        o.crash = false;  // kexec-tools assigns kexec_flags, dropping KEXEC_ON_CRASH
        break;
    case OPT_PANIC:
        o.do_load = true;
        o.do_exec = false;
        o.do_shutdown = false;
        o.do_sync = false;
        o.crash = true;
        o.kexec_load.preserve_context = false;
        o.live_update = false;
        break;
    case OPT_STATUS: o.do_status = true; break;
    default: return apply_kexec_load_option(o.kexec_load, opt, arg);
    }
    return {};
}

Status apply_option(Options& o, int opt, const char* arg) {
    switch (opt) {
    case OPT_HELP: o.immediate = Immediate::Help; break;
    case OPT_VERSION: o.immediate = Immediate::Version; break;
    case OPT_DEBUG: o.debug = true; break;
    case OPT_NOSYNC: break;                         // fixed up after the loop, as --no-ifdown
    case OPT_EXEC_LIVE_UPDATE: o.immediate = Immediate::ExecLiveUpdate; break;  // only under Xen
    case OPT_TYPE: o.type = arg; break;
    case OPT_REUSE_INITRD: o.reuse_initrd = true; break;
    case OPT_KEXEC_FILE_SYSCALL: o.syscall_mode = SyscallMode::FileLoad; break;
    case OPT_KEXEC_SYSCALL: o.syscall_mode = SyscallMode::Load; break;
    case OPT_KEXEC_SYSCALL_AUTO: o.syscall_mode = SyscallMode::Auto; break;
    case OPT_PRINT_CKR_SIZE: o.immediate = Immediate::PrintCkrSize; break;
    case OPT_NO_CMA: o.no_cma = true; break;
    case OPT_FORCE_DTB: o.force_dtb = true; break;
    case OPT_APPEND: o.append = arg; break;
    case OPT_REUSE_CMDLINE: o.reuse_cmdline = true; break;
    case OPT_RAMDISK: o.initrd = arg; break;
    case OPT_MODULE:
    case OPT_DTB: o.ignored_options.push_back(std::string("--") + option_name(opt) + "=" + arg); break;
    case OPT_ELF32_CORE:
    case OPT_ELF64_CORE: break;  // accepted and ignored, as by kexec-tools on x86_64
    case OPT_DRY_RUN:
        if (!arg || std::string_view(arg) == "text")
            o.dry_run = DryRunFormat::Text;
        else if (std::string_view(arg) == "json")
            o.dry_run = DryRunFormat::Json;
        else
            return bad_value(opt, arg, "text or json");
        break;
    case OPT_SYSROOT: o.sysroot = arg; break;
    case OPT_UKI_INFO: o.uki_info = arg ? arg : ""; break;  // "": the operand names the file
    case OPT_JSON: o.json = true; break;
    case OPT_UKI_PROFILE: o.uki_profile = arg; break;
    case OPT_UKI_ADDON: o.uki_addons.emplace_back(arg); break;
    case OPT_UKI_NO_ADDONS: o.uki_no_addons = true; break;
    case OPT_UKI_STRICT: o.uki_strict = true; break;
    case OPT_UKI_VERIFY:
        if (arg && !*arg)
            return bad_value(opt, arg, "db or a PEM file");
        o.uki_verify = arg ? arg : "db";
        o.uki_verify_option = "--uki-verify";
        break;
    case OPT_UKI_ALLOW_SHA1: o.uki_allow_sha1 = true; break;
    default: return apply_action_option(o, opt, arg);
    }
    return {};
}

}  // namespace

std::vector<std::string> long_option_names() {
    std::vector<std::string> names;
    for (const struct option* o = kLongOptions; o->name; o++)
        names.emplace_back(o->name);
    return names;
}

namespace {

// What follows from the options as a whole once all are read (kexec-tools'
// main() after its option loop): implied options, -S and --uki-info's
// narrowing of what is done, and image options without a load.
Status settle_options(Options& o, bool skip_sync, bool skip_ifdown) {
    // --uki-strict is systemd-stub's Secure Boot rule, and that rule starts
    // with a signature that verifies: against db unless told otherwise.
    if (o.uki_strict && !o.uki_verify) {
        o.uki_verify = "db";
        o.uki_verify_option = "--uki-strict";
    }
    if (skip_ifdown)
        o.do_ifdown = false;
    if (skip_sync)
        o.do_sync = false;
    if (o.do_status) {
        // -S alone asks about the crash kernel; -S -l about the normal one.
        if (!o.crash && !o.kexec_load.preserve_context && !o.has_opt_load)
            o.crash = true;
        o.do_load = o.reuse_initrd = o.do_unload = o.do_shutdown = false;
        o.do_sync = o.do_ifdown = o.do_exec = o.load_jump_back_helper = false;
    }
    if (o.uki_info) {
        // --uki-info=FILE, or --uki-info [--json] FILE as people type it.
        if (o.uki_info->empty() == !o.kernel)
            return usage_error(o.kernel ? "--uki-info=FILE and " + quote(*o.kernel) + " name two files; give one"
                                        : std::string("--uki-info needs a UKI or addon file"));
        if (o.uki_info->empty())
            o.uki_info = std::exchange(o.kernel, std::nullopt);
        o.do_load = o.do_unload = o.do_shutdown = o.do_sync = o.do_ifdown = o.do_exec = false;
    } else if (!o.do_load && !o.image_options.empty()) {
        return usage_error(o.image_options.front() + " only applies when loading a kernel " +
                           "(not with -u, -e, -S or --load-jump-back-helper)");
    }
    return {};
}

}  // namespace

Result<Options> parse_options(int argc, char** argv) {
    Options o;
    bool skip_sync = false, skip_ifdown = false;

    std::vector<std::string> args(argv, argv + argc);
    for (size_t i = 1; i < args.size() && args[i] != "--"; i++) {
        KX_ASSIGN(args[i], expand_abbreviation(args[i]));
    }
    std::vector<char*> av;
    av.reserve(args.size() + 1);
    for (std::string& a : args)
        av.push_back(a.data());
    av.push_back(nullptr);

    optind = 0;  // full re-initialisation, so parse_options can run repeatedly (tests)
    opterr = 0;
    for (;;) {
        optopt = 0;
        int longindex = -1;
        int opt = getopt_long(argc, av.data(), kShortOptions, kLongOptions, &longindex);
        if (opt == -1)
            break;
        // getopt returns '?' for "-?" (kexec-tools: usage, exit 1), for an
        // unknown short option (optopt set) and an unknown long one (optopt 0).
        if (opt == '?' && optopt == 0 && !starts_with(av[optind - 1], "--")) {
            o.immediate = Immediate::HelpAndFail;
            return o;
        }
        if (opt == '?') {
            // A long option is named by the word typed; optopt then holds its
            // value (or 0), not a character to show.
            const std::string word = av[optind - 1];
            if (starts_with(word, "--") && word.find('=') != std::string::npos && optopt != 0)
                return usage_error("option " + quote(word.substr(0, word.find('='))) +
                                   " takes no value (see kexec --help)");
            std::string bad = starts_with(word, "--") || !optopt ? word : std::string("-") + static_cast<char>(optopt);
            return usage_error("unrecognized option " + quote(bad) + " (see kexec --help)");
        }
        if (opt == ':')
            return usage_error(std::string("option ") + quote(av[optind - 1]) +
                               " needs a value (see kexec --help)");
        if (opt == OPT_NOSYNC)
            skip_sync = true;
        if (opt == OPT_NOIFDOWN)
            skip_ifdown = true;
        KX_TRY(apply_option(o, opt, optarg));
        if (o.immediate != Immediate::None)
            return o;  // as kexec-tools: handled on the spot, the rest unread
        if (opt == OPT_APPEND && longindex >= 0)
            o.append_option = std::string("--") + kLongOptions[longindex].name;
        if (is_image_option(opt))
            o.image_options.push_back(std::string("--") + option_name(opt));
    }
    if (optind < argc)
        o.kernel = av[optind++];
    while (optind < argc)
        o.ignored_arguments.emplace_back(av[optind++]);

    KX_TRY(settle_options(o, skip_sync, skip_ifdown));
    return o;
}

}  // namespace kx
