#!/bin/sh
# Turn `nm -n kernel.elf` into an assembly file holding a sorted table of
# text symbols for kernel/ksyms.c.  With no argument it emits an empty table
# (for the first link, before there is an ELF to read).
set -eu
{
	echo '.section .ksyms, "a"'
	echo '.balign 8'
	if [ $# -ge 1 ]; then nm -n "$1" | awk '$2 ~ /^[Tt]$/ && $3 !~ /^\./'; fi |
	awk '
	BEGIN { n = 0 }
	{ addr[n] = $1; name[n] = $3; n++ }
	END {
		print ".globl ksym_count, ksym_addrs, ksym_offsets, ksym_names"
		printf "ksym_count: .quad %d\n", n
		print "ksym_addrs:"
		for (i = 0; i < n; i++) printf "  .quad 0x%s\n", addr[i]
		print "ksym_offsets:"
		off = 0
		for (i = 0; i < n; i++) { printf "  .long %d\n", off; off += length(name[i]) + 1 }
		print "ksym_names:"
		for (i = 0; i < n; i++) printf "  .asciz \"%s\"\n", name[i]
	}'
} 
