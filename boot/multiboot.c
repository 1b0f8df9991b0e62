/*
 * Read the multiboot2 boot information GRUB left in memory: a list of
 * 8-byte-aligned tags (spec 3.6).  Copy out what we need, so the memory
 * it occupies can be reused later.
 */
#include "kernel/kernel.h"
#include "boot/multiboot.h"
#include "kernel/panic.h"

struct boot_info boot_info;

enum { TAG_END = 0, TAG_CMDLINE = 1, TAG_MODULE = 3, TAG_MMAP = 6 };

struct tag { uint32_t type, size; };

void multiboot_parse(uint32_t magic, uint64_t info_phys)
{
	if (magic != MB2_BOOTLOADER_MAGIC)
		panic("not booted by a multiboot2 loader (magic %x)", magic);

	uint8_t *info = phys_to_virt(info_phys);
	uint32_t total = *(uint32_t *)info;
	boot_info.info_start = info_phys;
	boot_info.info_end = info_phys + total;
	boot_info.cmdline = "";

	for (uint8_t *p = info + 8; p < info + total; p += ALIGN_UP(((struct tag *)p)->size, 8)) {
		struct tag *t = (struct tag *)p;
		if (t->type == TAG_END)
			break;
		if (t->type == TAG_CMDLINE) {
			boot_info.cmdline = (const char *)(t + 1);
		} else if (t->type == TAG_MODULE && boot_info.nmodules < MB2_MAX_MODULES) {
			uint32_t *m = (uint32_t *)(t + 1);
			boot_info.modules[boot_info.nmodules++] = (struct mb2_module){
				.start = m[0], .end = m[1], .name = (const char *)&m[2],
			};
		} else if (t->type == TAG_MMAP) {
			uint32_t entry_size = ((uint32_t *)(t + 1))[0];
			for (uint8_t *e = p + 16; e + entry_size <= p + t->size; e += entry_size) {
				if (boot_info.nregions == MB2_MAX_REGIONS)
					break;
				boot_info.regions[boot_info.nregions++] = (struct mb2_region){
					.base = *(uint64_t *)e, .len = *(uint64_t *)(e + 8),
					.type = *(uint32_t *)(e + 16),
				};
			}
		}
	}
}
