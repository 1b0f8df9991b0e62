/*
 * ELF64 executable validation.  See elf.h for the contract.
 *
 * Every field is untrusted: a user can exec any file.  Sums of two file
 * values are never formed before proving they cannot wrap; instead a
 * check like "off + size <= len" is written "off <= len && size <= len - off".
 */
#include "lib/elf.h"
#include "uapi/errno.h"

/* e_ident layout and values (gABI, "ELF Identification"). */
#define EI_CLASS	4
#define EI_DATA		5
#define EI_VERSION	6
#define ELFCLASS64	2
#define ELFDATA2LSB	1
#define EV_CURRENT	1
#define PN_XNUM		0xffff	/* real e_phnum lives in section header 0 */

#define PAGE		4096ull	/* x86-64 psABI: page size for p_vaddr/p_offset */

static const char *const reasons[ELF_ERR_COUNT] = {
	[ELF_OK]		= "ok",
	[ELF_ERR_ARGS]		= "no image",
	[ELF_ERR_SHORT]		= "file too short for an ELF header",
	[ELF_ERR_MAGIC]		= "not an ELF file",
	[ELF_ERR_CLASS]		= "not a 64-bit ELF file",
	[ELF_ERR_DATA]		= "not little-endian",
	[ELF_ERR_VERSION]	= "unknown ELF version",
	[ELF_ERR_TYPE]		= "not an executable (ET_EXEC)",
	[ELF_ERR_MACHINE]	= "not for x86-64",
	[ELF_ERR_EHSIZE]	= "bad ELF header size",
	[ELF_ERR_PHENTSIZE]	= "bad program header entry size",
	[ELF_ERR_PHNUM]		= "bad program header count",
	[ELF_ERR_PHDRS]		= "program headers outside the file",
	[ELF_ERR_INTERP]	= "needs a dynamic linker (PT_INTERP)",
	[ELF_ERR_TOO_MANY]	= "too many PT_LOAD segments",
	[ELF_ERR_NO_LOAD]	= "no PT_LOAD segment",
	[ELF_ERR_FILESZ]	= "file size exceeds memory size",
	[ELF_ERR_FILE_RANGE]	= "extends past the end of the file",
	[ELF_ERR_LOW]		= "starts below the lowest user address",
	[ELF_ERR_WRAP]		= "address range wraps around",
	[ELF_ERR_KERNEL]	= "reaches outside the user half",
	[ELF_ERR_ALIGN]		= "alignment is not a power of two",
	[ELF_ERR_CONGRUENT]	= "address and offset differ modulo the page size",
	[ELF_ERR_OVERLAP]	= "overlaps",
	[ELF_ERR_ENTRY]		= "entry point is in no segment",
	[ELF_ERR_ENTRY_NX]	= "entry point is in a non-executable segment",
	[ELF_ERR_TLS]		= "bad PT_TLS",
	[ELF_ERR_PHDR_MAP]	= "program headers are not in a loaded segment",
};

/* The fields we use, decoded from the on-disk Elf64_Ehdr / Elf64_Phdr. */
struct ehdr {
	uint16_t type, machine, ehsize, phentsize, phnum;
	uint32_t version;
	uint64_t entry, phoff;
};

struct phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, filesz, memsz, align;
};

/*
 * Read an n-byte little-endian field.  Byte loads, not a cast to a struct
 * pointer: the image may sit at any alignment, and an unaligned access
 * through a uint64_t * is undefined behaviour in C.
 */
static uint64_t rd(const uint8_t *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* Offsets from the gABI's Elf64_Ehdr and Elf64_Phdr definitions. */
static void read_ehdr(const uint8_t *p, struct ehdr *eh)
{
	eh->type = rd(p + 16, 2);
	eh->machine = rd(p + 18, 2);
	eh->version = rd(p + 20, 4);
	eh->entry = rd(p + 24, 8);
	eh->phoff = rd(p + 32, 8);
	eh->ehsize = rd(p + 52, 2);
	eh->phentsize = rd(p + 54, 2);
	eh->phnum = rd(p + 56, 2);
}

static void read_phdr(const uint8_t *p, struct phdr *ph)
{
	ph->type = rd(p + 0, 4);
	ph->flags = rd(p + 4, 4);
	ph->offset = rd(p + 8, 8);
	ph->vaddr = rd(p + 16, 8);
	ph->filesz = rd(p + 32, 8);	/* p_paddr at 24 means nothing to us */
	ph->memsz = rd(p + 40, 8);
	ph->align = rd(p + 48, 8);
}

static int fail(struct elf_image *out, enum elf_error err, int seg, int other)
{
	out->err = err;
	out->why = reasons[err];
	out->seg_index = seg;
	out->other_index = other;
	return err == ELF_ERR_ARGS ? -EINVAL : -ENOEXEC;
}

/* gABI: "Values 0 and 1 mean no alignment is required." */
static bool align_ok(uint64_t a)
{
	return (a & (a - 1)) == 0;
}

/*
 * Is [va, va + size) inside the file-backed part of some PT_LOAD?  The
 * program headers and the TLS initialisation image must be, because user
 * code reads them from memory after we have copied the segments in.
 */
static bool in_file_part(const struct elf_image *out, uint64_t va, uint64_t size)
{
	for (size_t i = 0; i < out->nseg; i++) {
		const struct elf_segment *s = &out->seg[i];

		if (va >= s->vaddr && size <= s->filesz &&
		    va - s->vaddr <= s->filesz - size)
			return true;
	}
	return false;
}

/* Check one PT_LOAD (program header number i) and append it to out->seg. */
static int add_load(struct elf_image *out, const struct phdr *ph, int i,
		    size_t len, int *load_index)
{
	uint64_t lo, hi;

	if (out->nseg == ELF_MAX_LOAD)
		return fail(out, ELF_ERR_TOO_MANY, i, -1);
	if (ph->filesz > ph->memsz)
		return fail(out, ELF_ERR_FILESZ, i, -1);
	if (ph->offset > len || ph->filesz > len - ph->offset)
		return fail(out, ELF_ERR_FILE_RANGE, i, -1);
	if (ph->vaddr < ELF_USER_MIN)
		return fail(out, ELF_ERR_LOW, i, -1);
	if (ph->memsz > UINT64_MAX - ph->vaddr)
		return fail(out, ELF_ERR_WRAP, i, -1);
	if (ph->vaddr + ph->memsz > ELF_USER_TOP)
		return fail(out, ELF_ERR_KERNEL, i, -1);
	if (!align_ok(ph->align))
		return fail(out, ELF_ERR_ALIGN, i, -1);
	/*
	 * gABI: p_vaddr and p_offset are congruent modulo the page size, so
	 * a page of the file can back a page of memory.  A loader that copies
	 * would not care, but every linker obeys this and a mapping loader
	 * depends on it.
	 */
	if ((ph->vaddr ^ ph->offset) & (PAGE - 1))
		return fail(out, ELF_ERR_CONGRUENT, i, -1);

	/*
	 * Two segments sharing a page would need one page with two sets of
	 * permissions.  The end cannot wrap: it is at most ELF_USER_TOP.
	 */
	lo = ph->vaddr & ~(PAGE - 1);
	hi = (ph->vaddr + ph->memsz + PAGE - 1) & ~(PAGE - 1);
	for (size_t k = 0; ph->memsz && k < out->nseg; k++) {
		const struct elf_segment *s = &out->seg[k];
		uint64_t slo = s->vaddr & ~(PAGE - 1);
		uint64_t shi = (s->vaddr + s->memsz + PAGE - 1) & ~(PAGE - 1);

		if (s->memsz && lo < shi && slo < hi)
			return fail(out, ELF_ERR_OVERLAP, i, load_index[k]);
	}

	load_index[out->nseg] = i;
	out->seg[out->nseg++] = (struct elf_segment){
		.vaddr = ph->vaddr, .memsz = ph->memsz,
		.offset = ph->offset, .filesz = ph->filesz,
		.flags = ph->flags & (PF_R | PF_W | PF_X),
	};
	if (ph->vaddr + ph->memsz > out->end)
		out->end = ph->vaddr + ph->memsz;
	return 0;
}

int elf_parse(const void *image, size_t len, struct elf_image *out)
{
	const uint8_t *p = image;
	int load_index[ELF_MAX_LOAD];	/* program header number of seg[k] */
	int phdr_index = -1, tls_index = -1;
	uint64_t table_size;
	struct ehdr eh;
	size_t k;
	int r;

	if (!out)
		return -EINVAL;
	out->entry = out->phdr_vaddr = out->end = 0;
	out->phnum = out->phent = 0;
	out->has_tls = false;
	out->tls_vaddr = out->tls_filesz = out->tls_memsz = out->tls_align = 0;
	out->nseg = 0;
	out->err = ELF_OK;
	out->why = reasons[ELF_OK];
	out->seg_index = out->other_index = -1;

	if (!image)
		return fail(out, ELF_ERR_ARGS, -1, -1);
	if (len < ELF_EHDR_SIZE)
		return fail(out, ELF_ERR_SHORT, -1, -1);
	if (p[0] != 0x7f || p[1] != 'E' || p[2] != 'L' || p[3] != 'F')
		return fail(out, ELF_ERR_MAGIC, -1, -1);
	if (p[EI_CLASS] != ELFCLASS64)
		return fail(out, ELF_ERR_CLASS, -1, -1);
	if (p[EI_DATA] != ELFDATA2LSB)
		return fail(out, ELF_ERR_DATA, -1, -1);

	read_ehdr(p, &eh);
	if (p[EI_VERSION] != EV_CURRENT || eh.version != EV_CURRENT)
		return fail(out, ELF_ERR_VERSION, -1, -1);
	/* ET_DYN would be a static-pie or a shared library: not supported. */
	if (eh.type != ET_EXEC)
		return fail(out, ELF_ERR_TYPE, -1, -1);
	if (eh.machine != EM_X86_64)
		return fail(out, ELF_ERR_MACHINE, -1, -1);
	if (eh.ehsize != ELF_EHDR_SIZE)
		return fail(out, ELF_ERR_EHSIZE, -1, -1);
	/* Larger entries are legal in the gABI, but no linker makes them. */
	if (eh.phentsize != ELF_PHDR_SIZE)
		return fail(out, ELF_ERR_PHENTSIZE, -1, -1);
	if (eh.phnum == 0 || eh.phnum == PN_XNUM)
		return fail(out, ELF_ERR_PHNUM, -1, -1);
	/* At most 65534 * 56 bytes, so this product cannot overflow. */
	table_size = (uint64_t)eh.phnum * ELF_PHDR_SIZE;
	if (eh.phoff > len || table_size > len - eh.phoff)
		return fail(out, ELF_ERR_PHDRS, -1, -1);

	for (int i = 0; i < eh.phnum; i++) {
		struct phdr ph;

		read_phdr(p + eh.phoff + (uint64_t)i * ELF_PHDR_SIZE, &ph);
		switch (ph.type) {
		case PT_LOAD:
			r = add_load(out, &ph, i, len, load_index);
			if (r)
				return r;
			break;
		case PT_INTERP:
			return fail(out, ELF_ERR_INTERP, i, -1);
		case PT_PHDR:
			phdr_index = i;
			out->phdr_vaddr = ph.vaddr;
			break;
		case PT_TLS:
			/* One TLS template per module (Drepper, "ELF Handling
			 * For Thread-Local Storage"). */
			if (out->has_tls || ph.filesz > ph.memsz ||
			    !align_ok(ph.align))
				return fail(out, ELF_ERR_TLS, i, -1);
			tls_index = i;
			out->has_tls = true;
			out->tls_vaddr = ph.vaddr;
			out->tls_filesz = ph.filesz;
			out->tls_memsz = ph.memsz;
			out->tls_align = ph.align;
			break;
		}
	}
	if (out->nseg == 0)
		return fail(out, ELF_ERR_NO_LOAD, -1, -1);

	/* Segments do not overlap, so at most one contains the entry point. */
	out->entry = eh.entry;
	for (k = 0; k < out->nseg; k++)
		if (eh.entry >= out->seg[k].vaddr &&
		    eh.entry - out->seg[k].vaddr < out->seg[k].memsz)
			break;
	if (k == out->nseg)
		return fail(out, ELF_ERR_ENTRY, -1, -1);
	if (!(out->seg[k].flags & PF_X))
		return fail(out, ELF_ERR_ENTRY_NX, load_index[k], -1);

	/* The initialisation image is copied from memory at p_vaddr. */
	if (out->tls_filesz && !in_file_part(out, out->tls_vaddr, out->tls_filesz))
		return fail(out, ELF_ERR_TLS, tls_index, -1);

	/*
	 * AT_PHDR.  musl's static start-up walks the program headers at
	 * AT_PHDR to find PT_TLS, so they must be in memory.  Without a
	 * PT_PHDR, find the PT_LOAD whose file bytes include e_phoff, as
	 * Linux's load_elf_binary() does.
	 */
	if (phdr_index < 0) {
		for (k = 0; k < out->nseg; k++) {
			const struct elf_segment *s = &out->seg[k];

			if (eh.phoff >= s->offset && table_size <= s->filesz &&
			    eh.phoff - s->offset <= s->filesz - table_size) {
				out->phdr_vaddr = s->vaddr + (eh.phoff - s->offset);
				break;
			}
		}
	}
	if (!in_file_part(out, out->phdr_vaddr, table_size))
		return fail(out, ELF_ERR_PHDR_MAP, phdr_index, -1);
	out->phnum = eh.phnum;
	out->phent = ELF_PHDR_SIZE;
	return 0;
}

const char *elf_strerror(enum elf_error err)
{
	if ((unsigned)err >= ELF_ERR_COUNT)
		return "unknown error";
	return reasons[err];
}

/* A bounded string builder: counts what would be written, like snprintf. */
struct sbuf {
	char *buf;
	size_t size, len;
};

static void put_ch(struct sbuf *b, char c)
{
	if (b->len + 1 < b->size)
		b->buf[b->len] = c;
	b->len++;
}

static void put_str(struct sbuf *b, const char *s)
{
	while (*s)
		put_ch(b, *s++);
}

static void put_uint(struct sbuf *b, unsigned n)
{
	char digits[10];
	int i = 0;

	do
		digits[i++] = '0' + n % 10;
	while (n /= 10);
	while (i)
		put_ch(b, digits[--i]);
}

size_t elf_describe(const struct elf_image *img, char *buf, size_t size)
{
	struct sbuf b = { buf, size, 0 };
	const char *why = elf_strerror(img->err);

	if (img->seg_index >= 0) {
		put_str(&b, "segment ");
		put_uint(&b, img->seg_index);
		put_str(&b, img->other_index >= 0 ? " " : ": ");
	}
	put_str(&b, why);
	if (img->other_index >= 0) {
		put_str(&b, " segment ");
		put_uint(&b, img->other_index);
	}
	if (size)
		buf[b.len < size ? b.len : size - 1] = '\0';
	return b.len;
}
