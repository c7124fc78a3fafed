/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stand-in for the kernel's <linux/pe.h> (tests/fuzz/kernel/README.md): the
 * PE/COFF headers as the PE format specification lays them out, with the
 * field names the kernel uses. Only what the UKI parser reads.
 */
#ifndef KX_SHIM_LINUX_PE_H
#define KX_SHIM_LINUX_PE_H
#include <linux/types.h>

#define IMAGE_DOS_SIGNATURE		0x5a4d		/* "MZ" */
#define IMAGE_NT_SIGNATURE		0x00004550	/* "PE\0\0" */
#define IMAGE_NT_OPTIONAL_HDR64_MAGIC	0x020b		/* PE32+ */

struct mz_hdr {
	u16 magic;
	u16 fields[29];		/* the MS-DOS header the parser skips */
	u32 peaddr;		/* e_lfanew: the PE signature's offset */
};

struct pe_hdr {
	u32 magic;
	u16 machine;
	u16 sections;		/* NumberOfSections */
	u32 timestamp;
	u32 symbol_table;
	u32 symbols;
	u16 opt_hdr_size;	/* SizeOfOptionalHeader */
	u16 flags;
};

struct pe32plus_opt_hdr {
	u16 magic;
	u8 linker_fields[2];
	u32 size_fields[3];
	u32 entry_point;
	u32 code_base;
	u64 image_base;
	u32 section_align;
	u32 file_align;
	u16 versions[6];
	u32 win32_version;
	u32 image_size;
	u32 header_size;	/* SizeOfHeaders */
	u32 csum;
	u16 subsys;
	u16 dll_flags;
	u64 stack_and_heap[4];
	u32 loader_flags;
	u32 data_dirs;		/* NumberOfRvaAndSizes */
};

struct data_dirent {
	u32 virtual_address;	/* the certificate table's: a file offset */
	u32 size;
};

struct section_header {
	char name[8];
	u32 virtual_size;
	u32 virtual_address;
	u32 raw_data_size;	/* SizeOfRawData */
	u32 data_addr;		/* PointerToRawData */
	u32 relocs;
	u32 line_numbers;
	u16 num_relocs;
	u16 num_lin_numbers;
	u32 flags;
};

_Static_assert(sizeof(struct mz_hdr) == 64 && __builtin_offsetof(struct mz_hdr, peaddr) == 0x3c, "MZ");
_Static_assert(sizeof(struct pe_hdr) == 24 && __builtin_offsetof(struct pe_hdr, opt_hdr_size) == 20, "COFF");
_Static_assert(sizeof(struct pe32plus_opt_hdr) == 112 &&
	       __builtin_offsetof(struct pe32plus_opt_hdr, header_size) == 60 &&
	       __builtin_offsetof(struct pe32plus_opt_hdr, data_dirs) == 108, "PE32+");
_Static_assert(sizeof(struct data_dirent) == 8, "data directory");
_Static_assert(sizeof(struct section_header) == 40 &&
	       __builtin_offsetof(struct section_header, raw_data_size) == 16 &&
	       __builtin_offsetof(struct section_header, data_addr) == 20, "section");
#endif
