// SPDX-License-Identifier: GPL-2.0-or-later
// Where the PE/COFF fields kexec reads lie, by name (Microsoft's PE format
// specification; Linux's include/linux/pe.h lays out the same). Offsets are
// from the start of the structure each namespace names. The reader
// (pe_file.cpp) and the tests that build or mangle headers use these; a few
// fields here (entry point, alignments, symbol table) only the tests write.
#pragma once

#include <cstdint>

namespace kx::pe::layout {

namespace dos {  // IMAGE_DOS_HEADER
constexpr uint64_t kSize = 64;
constexpr uint64_t kLfanew = 0x3c;  // the PE signature's file offset
}  // namespace dos

constexpr uint64_t kSignatureSize = 4;  // "PE\0\0" at e_lfanew, then the COFF header

namespace coff {  // IMAGE_FILE_HEADER, after "PE\0\0"
constexpr uint64_t kMachine = 0;
constexpr uint64_t kNumberOfSections = 2;
constexpr uint64_t kPointerToSymbolTable = 8;
constexpr uint64_t kNumberOfSymbols = 12;
constexpr uint64_t kSizeOfOptionalHeader = 16;
constexpr uint64_t kCharacteristics = 18;
constexpr uint64_t kSize = 20;
}  // namespace coff

namespace opt {  // IMAGE_OPTIONAL_HEADER32 and 64 (PE32 and PE32+)
constexpr uint64_t kMagic = 0;
constexpr uint64_t kSizeOfInitializedData = 8;
constexpr uint64_t kAddressOfEntryPoint = 16;
constexpr uint64_t kImageBase32 = 28;  // PE32: BaseOfData comes first
constexpr uint64_t kImageBase64 = 24;
constexpr uint64_t kSectionAlignment = 32;
constexpr uint64_t kFileAlignment = 36;
constexpr uint64_t kSizeOfImage = 56;
constexpr uint64_t kSizeOfHeaders = 60;
constexpr uint64_t kCheckSum = 64;
constexpr uint64_t kSubsystem = 68;
// The fixed part ends with NumberOfRvaAndSizes; the data directories follow.
constexpr uint64_t kFixedSize32 = 96;
constexpr uint64_t kFixedSize64 = 112;
constexpr uint64_t kNumberOfRvaAndSizes32 = kFixedSize32 - 4;
constexpr uint64_t kNumberOfRvaAndSizes64 = kFixedSize64 - 4;
constexpr uint64_t kDataDirectorySize = 8;  // one IMAGE_DATA_DIRECTORY (namespace datadir)
}  // namespace opt

namespace datadir {  // IMAGE_DATA_DIRECTORY, opt::kDataDirectorySize bytes
constexpr uint64_t kVirtualAddress = 0;  // a file offset for the certificate table
constexpr uint64_t kSizeField = 4;       // the field "Size" (kSize names a whole structure elsewhere)
}  // namespace datadir

namespace section {  // IMAGE_SECTION_HEADER
constexpr uint64_t kName = 0;  // 8 bytes, NUL-padded
constexpr uint64_t kVirtualSize = 8;
constexpr uint64_t kVirtualAddress = 12;
constexpr uint64_t kSizeOfRawData = 16;
constexpr uint64_t kPointerToRawData = 20;
constexpr uint64_t kCharacteristics = 36;
constexpr uint64_t kSize = 40;
}  // namespace section

namespace wincert {  // WIN_CERTIFICATE
constexpr uint64_t kLength = 0;
constexpr uint64_t kRevision = 4;
constexpr uint64_t kCertificateType = 6;
constexpr uint64_t kSize = 8;
}  // namespace wincert

}  // namespace kx::pe::layout
