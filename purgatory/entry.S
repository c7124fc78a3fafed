/* SPDX-License-Identifier: GPL-2.0-or-later */
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

	cmpl	$0, kx_entry_mode(%rip)		/* KX_ENTRY_64? */
	jne	kx_leave_long_mode
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

/* --entry-32bit and --real-mode: the kernel is entered through the 32-bit
 * (or 16-bit) boot protocol, so long mode must go (Intel SDM 10.8.5.4):
 * into compatibility mode in a 32-bit code segment, paging off (which ends
 * IA-32e mode), EFER.LME off. The planner puts the purgatory below 4 GiB for
 * this (below 1 MiB for real mode). Addresses are taken RIP-relative here
 * and carried in registers, so the purgatory has no absolute relocations
 * and still runs anywhere for the 64-bit entry. */
kx_leave_long_mode:
	leaq	kx_real16(%rip), %rax		/* the 16-bit code segment's base */
	leaq	kx_gdt32(%rip), %rdx
	movw	%ax, 0x22(%rdx)
	shrq	$16, %rax
	movb	%al, 0x24(%rdx)
	movb	%ah, 0x27(%rdx)
	movq	%rdx, kx_gdtr32+2(%rip)
	lgdt	kx_gdtr32(%rip)
	lidt	kx_idtr_real(%rip)		/* the BIOS's vectors at 0 (interrupts stay off) */
	movzwl	kx_console(%rip), %ebp		/* the serial port, for the real-mode message */
	shll	$16, %ebp
	orl	kx_entry_mode(%rip), %ebp	/* ebp: mode | port << 16 */
	leaq	kx_entry32_regs(%rip), %rsi
	leaq	kx_entry16_regs(%rip), %rdi
	leaq	kx_real16(%rip), %rbx
	leaq	kx_compat32(%rip), %rax
	pushq	$0x10				/* __BOOT_CS: 32-bit code */
	pushq	%rax
	lretq

	.code32
kx_compat32:
	movl	$0x18, %eax			/* __BOOT_DS */
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	movl	%cr0, %eax
	andl	$0x7fffffff, %eax		/* paging off */
	movl	%eax, %cr0
	movl	$0xc0000080, %ecx		/* EFER */
	rdmsr
	andl	$~0x100, %eax			/* LME off */
	wrmsr
	xorl	%eax, %eax			/* CR4 clean: no PAE, and no LA57, which */
	movl	%eax, %cr4			/* startup_32 would keep when it sets PAE */
	cmpw	$2, %bp				/* KX_ENTRY_16? */
	je	kx_enter_real_mode

	/* The 32-bit boot protocol: flat __BOOT_CS/__BOOT_DS, paging off,
	 * interrupts off, esi = boot params; the rest as kexec-uki chose. */
	movl	%esi, %eax			/* struct kx_entry32_regs */
	movl	0x04(%eax), %ebx
	movl	0x08(%eax), %ecx
	movl	0x10(%eax), %esi
	movl	0x14(%eax), %edi
	movl	0x1c(%eax), %ebp
	movl	0x18(%eax), %edx		/* esp 0: keep ours */
	testl	%edx, %edx
	jz	2f
	movl	%edx, %esp
2:	movl	0x0c(%eax), %edx
	pushl	0x20(%eax)			/* eip */
	movl	0x00(%eax), %eax
	ret

/* Real mode: a 16-bit protected-mode code segment based at kx_real16, then
 * protection off and a far return into real mode at the same place. */
kx_enter_real_mode:
	movl	%edi, %esi			/* linear address of kx_entry16_regs */
	movl	%ebx, %edi
	shrl	$4, %edi			/* our real-mode code segment */
	movl	$0x28, %eax			/* 16-bit data, 64 KiB limit */
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	ljmpl	$0x20, $0

	.code16
	.balign	16
kx_real16:
	movl	%cr0, %eax
	andl	$~1, %eax			/* protection off */
	movl	%eax, %cr0
	pushw	%di
	pushw	$(kx_real16_rm - kx_real16)
	lretw
kx_real16_rm:
	/* Say so on the serial port (--console-serial): the mode switch worked. */
	movl	%ebp, %edx
	shrl	$16, %edx
	testw	%dx, %dx
	jz	3f
	movw	$(kx_real_mode_message - kx_real16), %bx
1:	movb	%cs:(%bx), %al
	testb	%al, %al
	jz	3f
	addw	$5, %dx				/* LSR: wait for the transmitter */
	movw	$0xffff, %cx
2:	inb	%dx, %al
	testb	$0x20, %al
	loopz	2b
	subw	$5, %dx
	movb	%cs:(%bx), %al
	outb	%al, %dx
	incw	%bx
	jmp	1b
3:	movl	%esi, %eax			/* address the registers from ds */
	shrl	$4, %eax
	movw	%ax, %ds
	andl	$15, %esi
	movw	34(%si), %ax
	movw	%ax, %es
	movw	38(%si), %ax
	movw	%ax, %fs
	movw	40(%si), %ax
	movw	%ax, %gs
	movw	36(%si), %ax
	movw	%ax, %ss
	movl	24(%si), %esp
	pushw	42(%si)				/* cs */
	pushw	44(%si)				/* ip */
	movl	4(%si), %ebx
	movl	8(%si), %ecx
	movl	12(%si), %edx
	movl	20(%si), %edi
	movl	28(%si), %ebp
	movl	0(%si), %eax
	pushw	32(%si)				/* ds, loaded last */
	movl	16(%si), %esi
	popw	%ds
	lretw
kx_real_mode_message:
	.asciz	"kexec-uki purgatory: in real mode, starting the setup code\r\n"
	.code64

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

	/* For leaving long mode: the 32-bit boot protocol's __BOOT_CS and
	 * __BOOT_DS, and 16-bit segments for the way into real mode. */
	.balign	16
kx_gdt32:
	.quad	0x0000000000000000	/* null */
	.quad	0x0000000000000000	/* unused */
	.quad	0x00cf9a000000ffff	/* 0x10: 32-bit code, flat */
	.quad	0x00cf92000000ffff	/* 0x18: data, flat, 4 GiB */
	.quad	0x00009a000000ffff	/* 0x20: 16-bit code, base set at run time */
	.quad	0x000092000000ffff	/* 0x28: 16-bit data, base 0, 64 KiB */
kx_gdt32_end:
	.balign	16
kx_gdtr32:
	.word	kx_gdt32_end - kx_gdt32 - 1
	.quad	0			/* base, set at run time */
	.balign	16
kx_idtr_real:
	.word	0x3ff			/* the BIOS's interrupt vectors at 0 */
	.quad	0

	.section .bss
	.balign	16
kx_stack:
	.skip	16384
kx_stack_end:

	.section .note.GNU-stack, "", @progbits
