/*
 * Address-to-name lookup for backtraces.  The table is generated from the
 * kernel's own `nm` output at link time (tools/gen-ksyms.sh) and linked last,
 * in .ksyms, so adding it moves no code.
 */
#include "kernel/kernel.h"
#include "kernel/ksyms.h"

extern const uint64_t ksym_count;
extern const uint64_t ksym_addrs[];	/* sorted */
extern const uint32_t ksym_offsets[];	/* into ksym_names */
extern const char ksym_names[];

const char *ksym_lookup(uint64_t addr, uint64_t *offset)
{
	uint64_t lo = 0, hi = ksym_count;

	*offset = 0;
	if (!hi || addr < ksym_addrs[0])
		return NULL;
	while (hi - lo > 1) {		/* the last symbol at or below addr */
		uint64_t mid = (lo + hi) / 2;
		if (ksym_addrs[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*offset = addr - ksym_addrs[lo];
	return ksym_names + ksym_offsets[lo];
}
