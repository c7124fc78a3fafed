/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The purgatory, a relocatable ELF object (purgatory.ro), embedded in the
 * kexec binary; kexec/arch/x86_64/purgatory.cpp relocates it at load time. */
	.section .rodata
	.balign	16
	.globl	kx_purgatory_blob
kx_purgatory_blob:
	.incbin	"purgatory/purgatory.ro"
	.globl	kx_purgatory_blob_end
kx_purgatory_blob_end:
	.section .note.GNU-stack, "", @progbits
