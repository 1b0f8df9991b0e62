/*
 * Host unit test for lib/elf.c.  Prints KTAP version 1
 * (https://docs.kernel.org/dev-tools/ktap.html); exits 0 only if all pass.
 *
 * Most cases build a small executable in a byte buffer: an ELF header at
 * offset 0 and its program headers right after it at 64.  The optional
 * argument (default HELLO_ELF, set by tests/decode.mk when musl-gcc exists)
 * names a real static musl binary to parse as well.
 *
 * Usage: test_elf [path-to-static-musl-binary]
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/elf.h"
#include "uapi/errno.h"
#include "tests/ktap.h"

#define FILE_SIZE	0x2000
#define PT_GNU_STACK	0x6474e551	/* GNU extension; the parser ignores it */

/* A program header as the test writes it. */
struct ph {
	uint32_t type, flags;
	uint64_t offset, vaddr, filesz, memsz, align;
};

/* A whole test executable: header fields plus up to 20 program headers. */
struct spec {
	uint64_t entry;
	int n;
	struct ph ph[20];
};

static uint8_t image[FILE_SIZE + 1];	/* +1 so we can also parse at image + 1 */


static void put(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = v >> (8 * i);
}

/* Lay the spec out in buf as the gABI's Elf64_Ehdr and Elf64_Phdr. */
static void build_at(uint8_t *buf, const struct spec *s)
{
	memset(buf, 0, FILE_SIZE);
	memcpy(buf, "\x7f" "ELF", 4);
	buf[4] = 2;			/* ELFCLASS64 */
	buf[5] = 1;			/* ELFDATA2LSB */
	buf[6] = 1;			/* EV_CURRENT */
	put(buf + 16, ET_EXEC, 2);
	put(buf + 18, EM_X86_64, 2);
	put(buf + 20, 1, 4);		/* e_version */
	put(buf + 24, s->entry, 8);
	put(buf + 32, ELF_EHDR_SIZE, 8);	/* e_phoff */
	put(buf + 52, ELF_EHDR_SIZE, 2);
	put(buf + 54, ELF_PHDR_SIZE, 2);
	put(buf + 56, s->n, 2);
	for (int i = 0; i < s->n; i++) {
		uint8_t *p = buf + ELF_EHDR_SIZE + i * ELF_PHDR_SIZE;

		put(p + 0, s->ph[i].type, 4);
		put(p + 4, s->ph[i].flags, 4);
		put(p + 8, s->ph[i].offset, 8);
		put(p + 16, s->ph[i].vaddr, 8);
		put(p + 24, s->ph[i].vaddr, 8);	/* p_paddr */
		put(p + 32, s->ph[i].filesz, 8);
		put(p + 40, s->ph[i].memsz, 8);
		put(p + 48, s->ph[i].align, 8);
	}
}

static void build(const struct spec *s)
{
	build_at(image, s);
}

/*
 * The baseline: a text segment holding the headers and code, and a data
 * segment with bss, like a tiny static binary.
 */
static struct spec base(void)
{
	return (struct spec){
		.entry = 0x400100,
		.n = 2,
		.ph = {
			{ PT_LOAD, PF_R | PF_X, 0, 0x400000, 0x1000, 0x1000, 0x1000 },
			{ PT_LOAD, PF_R | PF_W, 0x1000, 0x401000, 0x100, 0x2000, 0x1000 },
		},
	};
}

/* What every accepted image must satisfy, whatever the input was. */
static bool invariants(const struct elf_image *im, size_t len)
{
	bool entry_ok = false;

	if (im->nseg == 0 || im->nseg > ELF_MAX_LOAD || im->err != ELF_OK)
		return false;
	for (size_t i = 0; i < im->nseg; i++) {
		const struct elf_segment *s = &im->seg[i];

		if (s->filesz > s->memsz || s->offset > len ||
		    s->filesz > len - s->offset || s->vaddr < ELF_USER_MIN ||
		    s->memsz > ELF_USER_TOP - s->vaddr)
			return false;
		if (im->entry - s->vaddr < s->memsz && (s->flags & PF_X))
			entry_ok = true;
		for (size_t j = 0; j < i; j++) {
			const struct elf_segment *t = &im->seg[j];

			if (s->memsz && t->memsz &&
			    s->vaddr / 4096 <= (t->vaddr + t->memsz - 1) / 4096 &&
			    t->vaddr / 4096 <= (s->vaddr + s->memsz - 1) / 4096)
				return false;
		}
	}
	return entry_ok && im->phent == ELF_PHDR_SIZE && im->phnum > 0;
}

static bool expect_ok(const uint8_t *buf, size_t len, struct elf_image *im)
{
	char why[96];
	int r = elf_parse(buf, len, im);

	if (r == 0 && invariants(im, len))
		return true;
	elf_describe(im, why, sizeof why);
	diag("elf_parse returned %d: %s", r, why);
	return false;
}

/* Parse image[0..len) and expect refusal err about program header seg. */
static bool expect_err(size_t len, enum elf_error err, int seg)
{
	struct elf_image im;
	char why[96];
	int r = elf_parse(image, len, &im);

	if (r == -ENOEXEC && im.err == err && im.seg_index == seg)
		return true;
	elf_describe(&im, why, sizeof why);
	diag("got %d, err %d, segment %d (%s); want err %d (%s), segment %d",
	     r, im.err, im.seg_index, why, err, elf_strerror(err), seg);
	return false;
}

/* Build the baseline with one program header field changed. */
#define BASE_WITH(...) do { struct spec s = base(); __VA_ARGS__; build(&s); } while (0)

static bool t_valid_minimal(void)
{
	struct elf_image im;
	struct spec s = base();

	build(&s);
	if (!expect_ok(image, FILE_SIZE, &im))
		return false;
	return im.entry == 0x400100 && im.nseg == 2 && im.phnum == 2 &&
	       im.phdr_vaddr == 0x400040 && im.end == 0x403000 &&
	       !im.has_tls && im.seg_index == -1 &&
	       im.seg[0].vaddr == 0x400000 && im.seg[0].flags == (PF_R | PF_X) &&
	       im.seg[1].offset == 0x1000 && im.seg[1].filesz == 0x100 &&
	       im.seg[1].memsz == 0x2000 && im.seg[1].flags == (PF_R | PF_W);
}

static bool t_valid_phdr_tls(void)
{
	struct elf_image im;
	struct spec s = base();

	s.ph[2] = s.ph[1];
	s.ph[1] = s.ph[0];
	s.ph[0] = (struct ph){ PT_PHDR, PF_R, 64, 0x400040, 4 * 56, 4 * 56, 8 };
	s.ph[3] = (struct ph){ PT_TLS, PF_R, 0x1010, 0x401010, 0x20, 0x40, 16 };
	s.n = 4;
	build(&s);
	if (!expect_ok(image, FILE_SIZE, &im))
		return false;
	return im.phdr_vaddr == 0x400040 && im.phnum == 4 && im.has_tls &&
	       im.tls_vaddr == 0x401010 && im.tls_filesz == 0x20 &&
	       im.tls_memsz == 0x40 && im.tls_align == 16 && im.nseg == 2;
}

static bool t_valid_unaligned(void)
{
	struct elf_image im;
	struct spec s = base();

	build_at(image + 1, &s);
	return expect_ok(image + 1, FILE_SIZE, &im) && im.entry == 0x400100;
}

static bool t_null_args(void)
{
	struct elf_image im;

	BASE_WITH();
	return elf_parse(NULL, FILE_SIZE, &im) == -EINVAL &&
	       im.err == ELF_ERR_ARGS &&
	       elf_parse(image, FILE_SIZE, NULL) == -EINVAL;
}

static bool t_truncated_header(void)
{
	BASE_WITH();
	return expect_err(0, ELF_ERR_SHORT, -1) &&
	       expect_err(ELF_EHDR_SIZE - 1, ELF_ERR_SHORT, -1);
}

static bool t_bad_magic(void)
{
	BASE_WITH();
	image[1] = 'e';
	return expect_err(FILE_SIZE, ELF_ERR_MAGIC, -1);
}

static bool t_wrong_class(void)
{
	BASE_WITH();
	image[4] = 1;		/* ELFCLASS32 */
	return expect_err(FILE_SIZE, ELF_ERR_CLASS, -1);
}

static bool t_big_endian(void)
{
	BASE_WITH();
	image[5] = 2;		/* ELFDATA2MSB */
	return expect_err(FILE_SIZE, ELF_ERR_DATA, -1);
}

static bool t_bad_version(void)
{
	BASE_WITH();
	image[20] = 0;		/* e_version = EV_NONE */
	if (!expect_err(FILE_SIZE, ELF_ERR_VERSION, -1))
		return false;
	BASE_WITH();
	image[6] = 2;		/* e_ident[EI_VERSION] */
	return expect_err(FILE_SIZE, ELF_ERR_VERSION, -1);
}

static bool t_wrong_type(void)
{
	BASE_WITH();
	image[16] = 3;		/* ET_DYN: a static-pie or shared library */
	return expect_err(FILE_SIZE, ELF_ERR_TYPE, -1);
}

static bool t_wrong_machine(void)
{
	BASE_WITH();
	image[18] = 3;		/* EM_386 */
	return expect_err(FILE_SIZE, ELF_ERR_MACHINE, -1);
}

static bool t_bad_ehsize(void)
{
	BASE_WITH();
	image[52] = 52;		/* the ELF32 header size */
	return expect_err(FILE_SIZE, ELF_ERR_EHSIZE, -1);
}

static bool t_bad_phentsize(void)
{
	BASE_WITH();
	image[54] = 32;		/* sizeof(Elf32_Phdr) */
	return expect_err(FILE_SIZE, ELF_ERR_PHENTSIZE, -1);
}

static bool t_bad_phnum(void)
{
	BASE_WITH(s.n = 0);
	if (!expect_err(FILE_SIZE, ELF_ERR_PHNUM, -1))
		return false;
	BASE_WITH();
	put(image + 56, 0xffff, 2);	/* PN_XNUM */
	return expect_err(FILE_SIZE, ELF_ERR_PHNUM, -1);
}

static bool t_truncated_phdrs(void)
{
	BASE_WITH();
	return expect_err(ELF_EHDR_SIZE, ELF_ERR_PHDRS, -1) &&
	       expect_err(ELF_EHDR_SIZE + 2 * ELF_PHDR_SIZE - 1, ELF_ERR_PHDRS, -1);
}

static bool t_phoff_overflow(void)
{
	BASE_WITH();
	put(image + 32, UINT64_MAX - 8, 8);	/* phoff + size wraps to 104 */
	if (!expect_err(FILE_SIZE, ELF_ERR_PHDRS, -1))
		return false;
	put(image + 32, FILE_SIZE - 100, 8);	/* starts inside, ends outside */
	return expect_err(FILE_SIZE, ELF_ERR_PHDRS, -1);
}

static bool t_interp(void)
{
	BASE_WITH(s.ph[1] = (struct ph){ PT_INTERP, PF_R, 0x200, 0x400200, 28, 28, 1 });
	return expect_err(FILE_SIZE, ELF_ERR_INTERP, 1);
}

static bool t_filesz_gt_memsz(void)
{
	BASE_WITH(s.ph[1].filesz = 0x2001);
	return expect_err(FILE_SIZE, ELF_ERR_FILESZ, 1);
}

static bool t_past_eof(void)
{
	BASE_WITH(s.ph[1].filesz = FILE_SIZE - 0x1000 + 1);
	return expect_err(FILE_SIZE, ELF_ERR_FILE_RANGE, 1);
}

static bool t_offset_overflow(void)
{
	/* offset + filesz wraps to 0xff0: "inside" the file if added naively */
	BASE_WITH(s.ph[1].offset = UINT64_MAX - 0xf; s.ph[1].vaddr = 0x401ff0;
		  s.ph[1].filesz = 0x1000);
	return expect_err(FILE_SIZE, ELF_ERR_FILE_RANGE, 1);
}

static bool t_low_vaddr(void)
{
	BASE_WITH(s.ph[0].vaddr = 0; s.entry = 0x100);
	if (!expect_err(FILE_SIZE, ELF_ERR_LOW, 0))
		return false;
	BASE_WITH(s.ph[0].vaddr = ELF_USER_MIN - 0x1000; s.entry = ELF_USER_MIN - 0x100);
	return expect_err(FILE_SIZE, ELF_ERR_LOW, 0);
}

static bool t_kernel_vaddr(void)
{
	struct elf_image im;

	BASE_WITH(s.ph[1].vaddr = 0xffffffff80001000);
	if (!expect_err(FILE_SIZE, ELF_ERR_KERNEL, 1))
		return false;
	/* Starts in the user half, ends past its top. */
	BASE_WITH(s.ph[1].vaddr = ELF_USER_TOP - 0x1000);
	if (!expect_err(FILE_SIZE, ELF_ERR_KERNEL, 1))
		return false;
	/* Ending exactly at the top is fine. */
	BASE_WITH(s.ph[1].vaddr = ELF_USER_TOP - 0x2000);
	return expect_ok(image, FILE_SIZE, &im);
}

static bool t_wrap(void)
{
	/* vaddr + memsz wraps to 0x400000, which would look harmless. */
	BASE_WITH(s.ph[1].memsz = UINT64_MAX - 0x401000 + 0x400001);
	return expect_err(FILE_SIZE, ELF_ERR_WRAP, 1);
}

static bool t_bad_align(void)
{
	struct elf_image im;

	BASE_WITH(s.ph[1].align = 0x1800);
	if (!expect_err(FILE_SIZE, ELF_ERR_ALIGN, 1))
		return false;
	/* gABI: 0 and 1 mean no alignment constraint. */
	BASE_WITH(s.ph[0].align = 0; s.ph[1].align = 1);
	return expect_ok(image, FILE_SIZE, &im);
}

static bool t_incongruent(void)
{
	BASE_WITH(s.ph[1].vaddr = 0x401800);
	return expect_err(FILE_SIZE, ELF_ERR_CONGRUENT, 1);
}

static bool t_overlap(void)
{
	struct elf_image im;
	char why[64];
	struct spec s = base();

	/*
	 * Bytes 0x400000-0x4007ff and 0x400900-0x4009ff do not overlap, but
	 * both sit on page 0x400000.  A GNU_STACK header first makes the
	 * PT_LOADs program headers 1 and 2.
	 */
	s.ph[2] = s.ph[1];
	s.ph[1] = s.ph[0];
	s.ph[0] = (struct ph){ PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16 };
	s.ph[1].filesz = s.ph[1].memsz = 0x800;
	s.ph[2].offset = 0x1900;
	s.ph[2].vaddr = 0x400900;
	s.n = 3;
	build(&s);
	if (!expect_err(FILE_SIZE, ELF_ERR_OVERLAP, 2))
		return false;
	elf_parse(image, FILE_SIZE, &im);
	elf_describe(&im, why, sizeof why);
	if (im.other_index != 1 || strcmp(why, "segment 2 overlaps segment 1")) {
		diag("described as \"%s\"", why);
		return false;
	}
	/* One page further on, they are fine. */
	s.ph[2].vaddr = 0x401900;
	build(&s);
	return expect_ok(image, FILE_SIZE, &im);
}

static bool t_entry_outside(void)
{
	BASE_WITH(s.entry = 0x500000);
	if (!expect_err(FILE_SIZE, ELF_ERR_ENTRY, -1))
		return false;
	BASE_WITH(s.entry = 0x400000 - 1);
	return expect_err(FILE_SIZE, ELF_ERR_ENTRY, -1);
}

static bool t_entry_nx(void)
{
	/* In the bss part of the data segment: in memory, but not PF_X. */
	BASE_WITH(s.entry = 0x402000);
	return expect_err(FILE_SIZE, ELF_ERR_ENTRY_NX, 1);
}

/* n one-page PT_LOADs, all backed by the first page of the file. */
static void many_loads(int n)
{
	struct spec s = base();

	for (int i = 0; i < n; i++)
		s.ph[i] = (struct ph){ PT_LOAD, PF_R | PF_X, 0,
				       0x400000 + 0x1000 * (uint64_t)i,
				       0x1000, 0x1000, 0x1000 };
	s.n = n;
	build(&s);
}

static bool t_too_many(void)
{
	struct elf_image im;

	many_loads(ELF_MAX_LOAD);
	if (!expect_ok(image, FILE_SIZE, &im) || im.nseg != ELF_MAX_LOAD)
		return false;
	many_loads(ELF_MAX_LOAD + 1);
	return expect_err(FILE_SIZE, ELF_ERR_TOO_MANY, ELF_MAX_LOAD);
}

static bool t_no_load(void)
{
	BASE_WITH(s.ph[0] = (struct ph){ PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16 };
		  s.n = 1);
	return expect_err(FILE_SIZE, ELF_ERR_NO_LOAD, -1);
}

static bool t_phdrs_unmapped(void)
{
	/* The text segment starts after the headers, so they are not loaded. */
	BASE_WITH(s.ph[0].offset = 0x1000; s.ph[0].filesz = 0x800;
		  s.ph[1].offset = 0x1800; s.ph[1].vaddr = 0x401800);
	if (!expect_err(FILE_SIZE, ELF_ERR_PHDR_MAP, -1))
		return false;
	/* A PT_PHDR pointing at no loaded bytes. */
	BASE_WITH(s.ph[2] = (struct ph){ PT_PHDR, PF_R, 64, 0x402000, 168, 168, 8 };
		  s.n = 3);
	return expect_err(FILE_SIZE, ELF_ERR_PHDR_MAP, 2);
}

static bool t_bad_tls(void)
{
	struct ph tls = { PT_TLS, PF_R, 0x1000, 0x401000, 0x10, 0x20, 8 };

	BASE_WITH(s.ph[2] = tls; s.ph[3] = tls; s.n = 4);
	if (!expect_err(FILE_SIZE, ELF_ERR_TLS, 3))
		return false;
	BASE_WITH(s.ph[2] = tls; s.ph[2].filesz = 0x21; s.n = 3);
	if (!expect_err(FILE_SIZE, ELF_ERR_TLS, 2))
		return false;
	BASE_WITH(s.ph[2] = tls; s.ph[2].align = 12; s.n = 3);
	if (!expect_err(FILE_SIZE, ELF_ERR_TLS, 2))
		return false;
	/* Initialisation image in bss, where no file bytes back it. */
	BASE_WITH(s.ph[2] = tls; s.ph[2].vaddr = 0x401800; s.n = 3);
	return expect_err(FILE_SIZE, ELF_ERR_TLS, 2);
}

static bool t_strings(void)
{
	struct elf_image im = { .err = ELF_ERR_FILESZ, .seg_index = 3,
				.other_index = -1 };
	char buf[64];
	size_t n;

	for (int i = 0; i < ELF_ERR_COUNT; i++)
		for (int j = 0; j < i; j++)
			if (!elf_strerror(i) || !strcmp(elf_strerror(i), elf_strerror(j))) {
				diag("errors %d and %d share a reason", i, j);
				return false;
			}
	n = elf_describe(&im, buf, sizeof buf);
	if (strcmp(buf, "segment 3: file size exceeds memory size") || n != strlen(buf)) {
		diag("described as \"%s\"", buf);
		return false;
	}
	/* Truncated output is still terminated, and the full length returned. */
	return elf_describe(&im, buf, 5) == n && !strcmp(buf, "segm") &&
	       elf_describe(&im, NULL, 0) == n;
}

static bool t_every_length(void)
{
	struct elf_image im;

	/* The data segment's file bytes end at 0x1100. */
	BASE_WITH();
	for (size_t len = 0; len <= FILE_SIZE; len++) {
		int r = elf_parse(image, len, &im);

		if ((r == 0) != (len >= 0x1100) || (r == 0 && !invariants(&im, len))) {
			diag("length %zu: returned %d", len, r);
			return false;
		}
	}
	return true;
}

static bool t_byte_flips(void)
{
	size_t header_bytes = ELF_EHDR_SIZE + 2 * ELF_PHDR_SIZE;
	unsigned accepted = 0;
	struct elf_image im;

	/* Every value in every header byte: no crash, and nothing bad accepted. */
	for (size_t at = 0; at < header_bytes; at++) {
		for (int v = 0; v < 256; v++) {
			BASE_WITH();
			image[at] = v;
			if (elf_parse(image, FILE_SIZE, &im) != 0)
				continue;
			accepted++;
			if (!invariants(&im, FILE_SIZE)) {
				diag("byte %zu = %#x accepted but broken", at, v);
				return false;
			}
		}
	}
	diag("%u of %zu variants accepted", accepted, header_bytes * 256);
	return true;
}

static const char *hello_path;

/* Read a whole file into malloc'd memory; NULL on failure. */
static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (f && !fseek(f, 0, SEEK_END) && (n = ftell(f)) > 0 &&
	    !fseek(f, 0, SEEK_SET) && (buf = malloc(n)) &&
	    fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		*len = n;
	if (f)
		fclose(f);
	return buf;
}

static bool t_musl_binary(void)
{
	struct elf_image im;
	uint64_t phoff = 0;
	size_t len;
	uint8_t *file = read_file(hello_path, &len);
	bool ok;

	if (!file) {
		diag("cannot read %s", hello_path);
		return false;
	}
	for (int i = 0; i < 8; i++)
		phoff |= (uint64_t)file[32 + i] << (8 * i);
	ok = expect_ok(file, len, &im);
	free(file);
	if (!ok)
		return false;
	diag("%s: %zu bytes, entry %#llx, %zu PT_LOADs, AT_PHDR %#llx, TLS %s",
	     hello_path, len, (unsigned long long)im.entry, im.nseg,
	     (unsigned long long)im.phdr_vaddr, im.has_tls ? "yes" : "no");
	/* hello.c has a __thread variable, so musl needs PT_TLS and AT_PHDR. */
	if (!im.has_tls)
		return false;
	/* AT_PHDR must point at the bytes that are at e_phoff in the file. */
	for (size_t i = 0; i < im.nseg; i++) {
		const struct elf_segment *s = &im.seg[i];

		if (im.phdr_vaddr - s->vaddr < s->filesz)
			return s->offset + (im.phdr_vaddr - s->vaddr) == phoff;
	}
	return false;
}

static const struct {
	const char *name;
	bool (*run)(void);
} tests[] = {
	{ "valid_minimal", t_valid_minimal },
	{ "valid_phdr_and_tls", t_valid_phdr_tls },
	{ "valid_unaligned_buffer", t_valid_unaligned },
	{ "null_arguments", t_null_args },
	{ "truncated_header", t_truncated_header },
	{ "bad_magic", t_bad_magic },
	{ "wrong_class", t_wrong_class },
	{ "big_endian", t_big_endian },
	{ "bad_version", t_bad_version },
	{ "wrong_type", t_wrong_type },
	{ "wrong_machine", t_wrong_machine },
	{ "bad_ehsize", t_bad_ehsize },
	{ "bad_phentsize", t_bad_phentsize },
	{ "bad_phnum", t_bad_phnum },
	{ "truncated_phdrs", t_truncated_phdrs },
	{ "phoff_overflow", t_phoff_overflow },
	{ "interp_refused", t_interp },
	{ "filesz_gt_memsz", t_filesz_gt_memsz },
	{ "segment_past_eof", t_past_eof },
	{ "segment_offset_overflow", t_offset_overflow },
	{ "vaddr_too_low", t_low_vaddr },
	{ "kernel_half_vaddr", t_kernel_vaddr },
	{ "address_wraparound", t_wrap },
	{ "bad_align", t_bad_align },
	{ "vaddr_offset_incongruent", t_incongruent },
	{ "overlapping_segments", t_overlap },
	{ "entry_outside_segments", t_entry_outside },
	{ "entry_not_executable", t_entry_nx },
	{ "too_many_segments", t_too_many },
	{ "no_load_segment", t_no_load },
	{ "phdrs_not_loaded", t_phdrs_unmapped },
	{ "bad_tls", t_bad_tls },
	{ "reason_strings", t_strings },
	{ "every_truncated_length", t_every_length },
	{ "every_header_byte_value", t_byte_flips },
	{ "musl_static_binary", t_musl_binary },
};

int main(int argc, char **argv)
{
	int n = sizeof tests / sizeof tests[0], failed = 0;

#ifdef HELLO_ELF
	hello_path = HELLO_ELF;
#endif
	if (argc > 1)
		hello_path = argv[1];

	host_plan((unsigned long)n);
	for (int i = 0; i < n; i++) {
		if (tests[i].run == t_musl_binary && !hello_path) {
			host_result(true, (unsigned long)i + 1, tests[i].name, "musl-gcc not found at build time");
			continue;
		}
		bool ok = tests[i].run();

		host_result(ok, (unsigned long)i + 1, tests[i].name, NULL);
		failed += !ok;
	}
	if (failed)
		diag("%d of %d failed", failed, n);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
