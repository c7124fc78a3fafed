/* Purgatory entry, x86-64. The kexec trampoline jumps here in 64-bit mode
 * with an identity map and interrupts off, but with its own GDT and no
 * usable stack. Give ourselves a stack and the GDT the 64-bit boot protocol
 * wants (__BOOT_CS = 0x10, __BOOT_DS = 0x18), run the C checks, then load
 * the registers kexec-uki chose and jump to the kernel. Everything is
 * RIP-relative: the purgatory runs wherever it was placed. */

	.section .text.entry, "ax"
	.code64
	.globl	purgatory_start
	.type	purgatory_start, @function
purgatory_start:
	cli
	cld
	leaq	kx_stack_end(%rip), %rsp
	leaq	kx_gdt(%rip), %rax
	movq	%rax, kx_gdtr+2(%rip)
	lgdt	kx_gdtr(%rip)
	movl	$0x18, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	/* Reload CS through a far return. */
	leaq	1f(%rip), %rax
	pushq	$0x10
	pushq	%rax
	lretq
1:
	call	kx_purgatory_main

	leaq	kx_entry_regs(%rip), %rax
	movq	0x08(%rax), %rbx
	movq	0x10(%rax), %rcx
	movq	0x18(%rax), %rdx
	movq	0x20(%rax), %rsi
	movq	0x28(%rax), %rdi
	movq	0x38(%rax), %rbp
	movq	0x40(%rax), %r8
	movq	0x48(%rax), %r9
	movq	0x50(%rax), %r10
	movq	0x58(%rax), %r11
	movq	0x60(%rax), %r12
	movq	0x68(%rax), %r13
	movq	0x70(%rax), %r14
	movq	0x78(%rax), %r15
	/* rsp 0 means: keep our stack. */
	movq	0x30(%rax), %rdx
	testq	%rdx, %rdx
	jz	2f
	movq	%rdx, %rsp
2:	movq	0x18(%rax), %rdx
	pushq	0x80(%rax)		/* rip */
	movq	0x00(%rax), %rax
	ret
	.size	purgatory_start, . - purgatory_start

	.section .data
	.balign	16
kx_gdt:
	.quad	0x0000000000000000	/* null */
	.quad	0x0000000000000000	/* unused */
	.quad	0x00af9a000000ffff	/* 0x10: 64-bit code, flat */
	.quad	0x00cf92000000ffff	/* 0x18: data, flat, 4 GiB */
kx_gdt_end:
	.balign	16
kx_gdtr:
	.word	kx_gdt_end - kx_gdt - 1
	.quad	0			/* base, set at run time */

	.section .bss
	.balign	16
kx_stack:
	.skip	16384
kx_stack_end:

	.section .note.GNU-stack, "", @progbits
