/* The parts of the multiboot2 boot information Kestrel reads (spec 3.6). */
#pragma once
#include <stdint.h>

#define MB2_BOOTLOADER_MAGIC 0x36d76289

struct mb2_region {
	uint64_t base, len;
	uint32_t type;		/* 1 = available RAM */
};

struct mb2_module {
	uint64_t start, end;	/* physical */
	const char *name;	/* GRUB's string after the module path */
};

#define MB2_MAX_REGIONS 64
#define MB2_MAX_MODULES 32

struct boot_info {
	uint64_t info_start, info_end;	/* the boot information itself, physical */
	const char *cmdline;
	struct mb2_region regions[MB2_MAX_REGIONS];
	int nregions;
	struct mb2_module modules[MB2_MAX_MODULES];
	int nmodules;
};

extern struct boot_info boot_info;
void multiboot_parse(uint32_t magic, uint64_t info_phys);
