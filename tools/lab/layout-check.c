/*
 * layout-check: lab layout's grader for fpu/layout.c (docs/labs/layout.md).
 *
 *	layout-check --seed N --format standard|compacted [--count K]
 *
 * Draws K leaf-0xD tables at random from the seed (component sizes, the
 * 64-byte alignment bit, standard offsets in any order with gaps,
 * supervisor components for XSAVES) and a random enabled subset of each,
 * and checks xstate_layout_calculate() against the rules of SDM vol. 1
 * 13.4.3 applied here one by one.  A table no student has seen cannot be
 * answered from a list.  The first difference is printed with the seed
 * and the table, so it can be replayed; exit status 0 only if none.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fpu/layout.h"

#define BIT(i) ((uint64_t)1 << (i))

static uint64_t rng;

static uint64_t next(void) /* xorshift64*: the same tables for the same seed everywhere */
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static unsigned pick(unsigned n) { return (unsigned)(next() % n); }

/* Components 2..18, each user (XCR0) or supervisor (IA32_XSS) at random. */
static void draw(struct xstate_cpuid *c, uint64_t *mask, int compacted)
{
	memset(c, 0, sizeof(*c));
	uint64_t user = BIT(0) | BIT(1), sup = 0;
	int order[19], n = 0;
	for (int i = 2; i <= 18; i++) {
		if (pick(3) == 0)
			continue;
		if (compacted && pick(4) == 0)
			sup |= BIT(i);
		else
			user |= BIT(i);
		c->sub[i].eax = 8 * (1 + pick(compacted ? 160 : 64)); /* 8 .. 1280 bytes */
		if (compacted && pick(2))
			c->sub[i].ecx |= XSTATE_FLAG_ALIGNED64;
		if (sup & BIT(i))
			c->sub[i].ecx |= XSTATE_FLAG_SUPERVISOR;
		else
			order[n++] = i;
	}
	/* Standard offsets: the user components in a shuffled order, with gaps. */
	for (int k = n - 1; k > 0; k--) {
		int j = (int)pick((unsigned)k + 1), t = order[k];
		order[k] = order[j];
		order[j] = t;
	}
	uint32_t at = XSAVE_EXT_OFFSET;
	for (int k = 0; k < n; k++) {
		at += 8 * pick(12);
		c->sub[order[k]].ebx = at;
		at += c->sub[order[k]].eax;
	}
	c->sub[0].eax = (uint32_t)user;
	c->sub[0].edx = (uint32_t)(user >> 32);
	c->sub[0].ecx = at;
	c->sub[1].eax = compacted ? XSTATE_CPUID_XSAVEC | XSTATE_CPUID_XSAVES : 0;
	c->sub[1].ecx = (uint32_t)sup;
	*mask = BIT(0) | BIT(1);
	for (int i = 2; i <= 18; i++)
		if (((user | sup) >> i & 1) && pick(4))
			*mask |= BIT(i);
	if (!compacted)
		*mask &= user;
}

static void show(const struct xstate_cpuid *c, uint64_t mask)
{
	printf("#   enabled 0x%" PRIx64
	       "; CPUID.(EAX=0DH,ECX=i): EAX (size), EBX (offset), ECX (flags):\n",
	       mask);
	for (int i = 2; i < XFEATURE_MAX; i++)
		if (c->sub[i].eax)
			printf("#     i=%-2d %5u %5u %u%s\n", i, c->sub[i].eax, c->sub[i].ebx,
			       c->sub[i].ecx, mask >> i & 1 ? "" : "  (not enabled)");
}

int main(int argc, char **argv)
{
	uint64_t seed = 1;
	int compacted = -1, count = 500;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--format"))
			compacted = !strcmp(argv[i + 1], "compacted")  ? 1
				    : !strcmp(argv[i + 1], "standard") ? 0
								       : -1;
		else if (!strcmp(argv[i], "--count"))
			count = atoi(argv[i + 1]);
	}
	if (compacted < 0 || count <= 0) {
		fprintf(stderr,
			"usage: layout-check --seed N --format standard|compacted [--count K]\n");
		return 2;
	}
	rng = seed * 0x9e3779b97f4a7c15ull | 1;
	for (int k = 0; k < count; k++) {
		struct xstate_cpuid c;
		struct xstate_layout l;
		uint64_t mask;
		draw(&c, &mask, compacted);
		int err = xstate_layout_calculate(
			&c, mask, compacted ? XSTATE_FORMAT_COMPACTED : XSTATE_FORMAT_STANDARD, &l);
		if (err) {
			printf("not ok table %d (seed %" PRIu64 "): error %d: %s\n", k, seed, err,
			       xstate_strerror(err));
			show(&c, mask);
			return 1;
		}
		/* The rules, one at a time. */
		uint64_t at = XSAVE_EXT_OFFSET, end = XSAVE_EXT_OFFSET;
		for (int i = 0; i < XFEATURE_MAX; i++) {
			uint64_t want_off = 0, want_size = 0;
			const char *rule = "not enabled: offset and size 0";
			if (i < 2 && (mask >> i & 1)) {
				want_off = i ? 160 : 0, want_size = i ? 256 : 160;
				rule = "the legacy region, split as Linux does (x87 0-159, SSE "
				       "160-415)";
			} else if (mask >> i & 1) {
				want_size = c.sub[i].eax;
				if (!compacted) {
					want_off = c.sub[i].ebx;
					rule = "standard format: the offset is "
					       "CPUID.(EAX=0DH,ECX=i):EBX";
				} else if (c.sub[i].ecx & XSTATE_FLAG_ALIGNED64) {
					want_off = (at + 63) & ~63ull;
					rule = "compacted: right after the previous enabled "
					       "component, rounded up to 64 "
					       "because CPUID.(EAX=0DH,ECX=i):ECX[1] is 1";
				} else {
					want_off = at;
					rule = "compacted: right after the previous enabled "
					       "component (ECX[1] is 0: no rounding)";
				}
				if (compacted)
					at = want_off + want_size;
			}
			if (want_off + want_size > end)
				end = want_off + want_size;
			if (l.offset[i] != want_off || l.size[i] != want_size) {
				printf("not ok table %d (seed %" PRIu64
				       ", %s): component %d (%s) at %u size %u, "
				       "want %" PRIu64 " size %" PRIu64 ": %s\n",
				       k, seed, compacted ? "compacted" : "standard", i,
				       xfeature_name(i), l.offset[i], l.size[i], want_off,
				       want_size, rule);
				show(&c, mask);
				return 1;
			}
		}
		if (l.total_size != end) {
			printf("not ok table %d (seed %" PRIu64 "): total_size %u, want %" PRIu64
			       " (the end of the component that ends last)\n",
			       k, seed, l.total_size, end);
			show(&c, mask);
			return 1;
		}
	}
	printf("ok %d random %s tables (seed %" PRIu64 ")\n", count,
	       compacted ? "compacted" : "standard", seed);
	return 0;
}
