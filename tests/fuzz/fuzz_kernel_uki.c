// SPDX-License-Identifier: GPL-2.0-or-later
// The kernel half's UKI parser (kernel/patches/7.2, arch/x86/kernel/
// kexec-uki-parse.c), compiled unchanged in user space
// (tests/fuzz/kernel/README.md). Input: one byte choosing the profile, then
// the image. Whatever the image, the parser must not read outside it, and
// what it accepts must hold: every part inside the image, .linux not empty,
// the command line's length as copied.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <asm/kexec-uki.h>

static void check_part(const struct kexec_uki_part *part, const char *image, size_t size)
{
	if (part->len && (part->buf < image || part->len > size ||
			  (size_t)(part->buf - image) > size - part->len))
		abort();
	if (!part->present && part->len)
		abort();
}

static void check_profile_prefix(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	const char *rest = text, *again = text;
	unsigned int profile = 0, same = 0;

	memcpy(text, data, size);
	text[size] = '\0';
	if (kexec_uki_take_profile(&rest, &profile) &&
	    (text[0] != '@' || rest <= text + 1 || rest > text + strlen(text)))
		abort();
	/* Taken or not, the answer is the same the second time. */
	if ((rest != text) != kexec_uki_take_profile(&again, &same) || again != rest || same != profile)
		abort();
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kexec_uki uki;
	unsigned int profile;
	char *image;
	int kind;

	if (size < 1)
		return 0;
	check_profile_prefix(data, size);
	profile = data[0] % 4;
	size--;
	image = malloc(size ? size : 1);	/* exactly the image: ASan sees any over-read */
	memcpy(image, data + 1, size);
	if (kexec_uki_parse(image, size, profile, &uki) == 0) {
		for (kind = 0; kind < KEXEC_UKI_NR_KINDS; kind++)
			check_part(&uki.part[kind], image, size);
		if (!uki.part[KEXEC_UKI_LINUX].len || !uki.part[KEXEC_UKI_SDMAGIC].present)
			abort();
		if (uki.nr_profiles ? profile >= uki.nr_profiles : profile != 0)
			abort();
		unsigned long len = kexec_uki_cmdline_len(&uki.part[KEXEC_UKI_CMDLINE]);
		char *cmdline = malloc(len + 1);

		kexec_uki_cmdline_copy(&uki.part[KEXEC_UKI_CMDLINE], cmdline);
		if (strlen(cmdline) != len)
			abort();
		free(cmdline);
	}
	free(image);
	return 0;
}
