/*
 * Validate and describe a static ELF64 x86-64 executable held in memory.
 *
 * elf_parse() only reads the image; it maps nothing.  When it returns 0,
 * every number in struct elf_image has been checked, so the loader can
 * copy seg[i] into user memory without further range checks.
 *
 * References: System V gABI, "Object Files" and "Program Loading" chapters
 * (https://www.sco.com/developers/gabi/latest/contents.html), and the
 * x86-64 psABI for EM_X86_64 and the 4 KiB page size.
 *
 * Freestanding: no libc, so the same file builds into the kernel and into
 * the host test tests/test_elf.c.
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Field values from the gABI that the loader and the tests both need. */
#define ET_EXEC		2	/* e_type: executable file */
#define EM_X86_64	62	/* e_machine */
#define PT_LOAD		1	/* p_type values */
#define PT_DYNAMIC	2
#define PT_INTERP	3
#define PT_PHDR		6
#define PT_TLS		7
#define PF_X		1	/* p_flags bits */
#define PF_W		2
#define PF_R		4

#define ELF_EHDR_SIZE	64	/* sizeof(Elf64_Ehdr) */
#define ELF_PHDR_SIZE	56	/* sizeof(Elf64_Phdr) */
#define ELF_MAX_LOAD	16	/* PT_LOAD segments we keep; real binaries use 2-5 */

/*
 * Lowest address a segment may use.  Linux's default vm.mmap_min_addr:
 * with nothing mapped below 64 KiB, a NULL struct pointer plus a field
 * offset still faults instead of reaching attacker-chosen user data.
 */
#define ELF_USER_MIN	0x10000ull

/*
 * One past the highest address a segment may use: the top of the lower
 * canonical half (0x0000800000000000) minus one guard page.  A SYSCALL in
 * the last bytes below 2^47 would leave a non-canonical RCX, and SYSRET
 * then raises #GP in ring 0 on Intel (SDM vol. 2B, SYSRET, "#GP(0) if
 * the return is to 64-bit mode and RCX is not canonical").  Linux keeps
 * the same gap (TASK_SIZE_MAX).
 */
#define ELF_USER_TOP	0x00007ffffffff000ull

/* Why a file was refused.  Each check has its own code. */
enum elf_error {
	ELF_OK = 0,
	ELF_ERR_ARGS,		/* NULL image or out */
	ELF_ERR_SHORT,		/* shorter than the ELF header */
	ELF_ERR_MAGIC,
	ELF_ERR_CLASS,		/* not ELFCLASS64 */
	ELF_ERR_DATA,		/* not little endian */
	ELF_ERR_VERSION,	/* not EV_CURRENT */
	ELF_ERR_TYPE,		/* not ET_EXEC */
	ELF_ERR_MACHINE,	/* not EM_X86_64 */
	ELF_ERR_EHSIZE,
	ELF_ERR_PHENTSIZE,
	ELF_ERR_PHNUM,		/* no program headers, or PN_XNUM */
	ELF_ERR_PHDRS,		/* program header table not inside the file */
	ELF_ERR_INTERP,		/* asks for a dynamic linker */
	ELF_ERR_TOO_MANY,	/* more than ELF_MAX_LOAD PT_LOADs */
	ELF_ERR_NO_LOAD,
	ELF_ERR_FILESZ,		/* p_filesz > p_memsz */
	ELF_ERR_FILE_RANGE,	/* p_offset + p_filesz past end of file */
	ELF_ERR_LOW,		/* p_vaddr below ELF_USER_MIN */
	ELF_ERR_WRAP,		/* p_vaddr + p_memsz overflows 64 bits */
	ELF_ERR_KERNEL,		/* reaches ELF_USER_TOP or beyond */
	ELF_ERR_ALIGN,		/* p_align not 0 or a power of two */
	ELF_ERR_CONGRUENT,	/* p_vaddr and p_offset differ mod page */
	ELF_ERR_OVERLAP,
	ELF_ERR_ENTRY,		/* entry point in no PT_LOAD */
	ELF_ERR_ENTRY_NX,	/* entry point in a segment without PF_X */
	ELF_ERR_TLS,		/* second PT_TLS, or one not inside a PT_LOAD */
	ELF_ERR_PHDR_MAP,	/* program headers not visible in memory */
	ELF_ERR_COUNT
};

/* One PT_LOAD, copied out of its program header. */
struct elf_segment {
	uint64_t vaddr;		/* where the segment starts in memory */
	uint64_t memsz;		/* bytes in memory; memsz - filesz are zeroed */
	uint64_t offset;	/* where its bytes start in the file */
	uint64_t filesz;	/* bytes to copy from the file */
	uint32_t flags;		/* PF_R | PF_W | PF_X */
};

struct elf_image {
	uint64_t entry;		/* e_entry, inside a PF_X segment */
	uint64_t phdr_vaddr;	/* for AT_PHDR: program headers in memory */
	uint16_t phnum;		/* for AT_PHNUM */
	uint16_t phent;		/* for AT_PHENT; always ELF_PHDR_SIZE */
	uint64_t end;		/* highest vaddr + memsz: where brk may start */

	bool has_tls;		/* PT_TLS, which musl finds via AT_PHDR */
	uint64_t tls_vaddr, tls_filesz, tls_memsz, tls_align;

	size_t nseg;
	struct elf_segment seg[ELF_MAX_LOAD];

	/* On refusal: the reason, and the program header index it concerns. */
	enum elf_error err;
	const char *why;	/* static string, e.g. "overlaps" */
	int seg_index;		/* -1 if the problem is not in one segment */
	int other_index;	/* for ELF_ERR_OVERLAP: the earlier segment */
};

/*
 * Check image[0..len) and fill *out.  Returns 0, -EINVAL if image or out
 * is NULL, or -ENOEXEC for a file we will not run (out->err says why).
 * image need not be aligned.
 */
int elf_parse(const void *image, size_t len, struct elf_image *out);

/* The reason string for err; never NULL. */
const char *elf_strerror(enum elf_error err);

/*
 * Write a one-line description of the refusal into buf (always
 * NUL-terminated if size > 0), e.g. "segment 2 overlaps segment 1" or
 * "segment 3: file size exceeds memory size".  Segment numbers are program
 * header indexes, as in the "Section to Segment mapping" of readelf -l.
 * Returns the length of the full description.
 */
size_t elf_describe(const struct elf_image *img, char *buf, size_t size);
