/*
 * Loading a program.  Programs are ELF executables that GRUB loads as
 * multiboot2 modules (iso/boot/grub/grub.cfg names each after its file).
 * lib/elf.c has already refused anything malformed; here each PT_LOAD
 * becomes fresh zeroed pages with the segment's permissions, and the stack
 * gets what the System V ABI (x86-64 psABI 3.4.1) and musl expect at entry:
 *
 *	rsp ->	argc
 *		argv[0..argc-1], NULL
 *		envp[...], NULL
 *		auxv (type, value) pairs, AT_NULL
 *		... the strings and AT_RANDOM's 16 bytes, higher up
 */
#include "kernel/kernel.h"
#include "cpu/cpu.h"
#include "lib/elf.h"
#include "uapi/errno.h"
#include "mm/mm.h"
#include "boot/multiboot.h"
#include "kernel/process.h"
#include "cpu/x86.h"
#include "mm/uvm.h"
#include "kernel/exec.h"
#include "mm/vm.h"
#include "lib/string.h"
#include "lib/printf.h"
#include "mm/heap.h"
#include "mm/uaccess.h"
#include "uapi/errno.h"

#define MAX_ARGS 32
#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_HWCAP2 26
#define AT_MINSIGSTKSZ 51

const struct program *program_at(int i)
{
	static struct program progs[MB2_MAX_MODULES];
	if (i < 0 || i >= boot_info.nmodules)
		return NULL;
	progs[i] = (struct program){
		.name = boot_info.modules[i].name,
		.image = phys_to_virt(boot_info.modules[i].start),
		.size = boot_info.modules[i].end - boot_info.modules[i].start,
	};
	return &progs[i];
}

const struct program *program_find(const char *name)
{
	const struct program *p;
	for (int i = 0; (p = program_at(i)); i++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

static int load_segment(uint64_t root, const struct program *prog, const struct elf_segment *s)
{
	uint64_t start = ALIGN_DOWN(s->vaddr, PAGE_SIZE);
	uint64_t end = ALIGN_UP(s->vaddr + s->memsz, PAGE_SIZE);
	uint64_t flags = PTE_U | (s->flags & PF_W ? PTE_W : 0) | (s->flags & PF_X ? 0 : PTE_NX);
	if (uvm_map_anon(root, start, (end - start) / PAGE_SIZE, flags))
		return -ENOMEM;
	return uvm_copy_out(root, s->vaddr, (const uint8_t *)prog->image + s->offset, s->filesz);
}

/* Pushes onto the new stack, which lives in another address space. */
struct stack_builder {
	uint64_t root, sp;
	int err;
};

static uint64_t push(struct stack_builder *b, const void *data, size_t n, size_t align)
{
	b->sp = ALIGN_DOWN(b->sp - n, align);
	if (b->sp < USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE + 256)
		b->err = -E2BIG;
	else if (!b->err)
		b->err = uvm_copy_out(b->root, b->sp, data, n);
	return b->sp;
}

static int count(char *const v[])
{
	int n = 0;
	while (v && v[n])
		n++;
	return n;
}

long exec_load(struct process *p, const struct program *prog, char *const argv[],
	       char *const envp[], uint64_t *entry, uint64_t *sp)
{
	struct elf_image img;
	if (elf_parse(prog->image, prog->size, &img)) {
		char why[96];
		elf_describe(&img, why, sizeof(why));
		kprintf("exec: %s: not a program Kestrel runs: %s\n", prog->name, why);
		return -ENOEXEC;
	}
	/* Segments must stay clear of the mmap area and the stack above it. */
	if (img.end > USER_MMAP_TOP - (1ul << 32)) {
		kprintf("exec: %s: segments reach into the mmap area\n", prog->name);
		return -ENOEXEC;
	}
	int argc = count(argv), envc = count(envp);
	if (argc > MAX_ARGS || envc > MAX_ARGS)
		return -E2BIG;

	for (size_t i = 0; i < img.nseg; i++)
		if (load_segment(p->root, prog, &img.seg[i]))
			return -ENOMEM;
	p->brk_start = p->brk = ALIGN_UP(img.end, PAGE_SIZE);
	if (uvm_map_anon(p->root, USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE,
			 USER_STACK_PAGES, PTE_U | PTE_W | PTE_NX))
		return -ENOMEM;

	struct stack_builder b = { p->root, USER_STACK_TOP, 0 };
	uint64_t uargv[MAX_ARGS + 1], uenvp[MAX_ARGS + 1];
	for (int i = 0; i < argc; i++)
		uargv[i] = push(&b, argv[i], strlen(argv[i]) + 1, 1);
	for (int i = 0; i < envc; i++)
		uenvp[i] = push(&b, envp[i], strlen(envp[i]) + 1, 1);
	uargv[argc] = uenvp[envc] = 0;
	uint64_t rnd[2] = { rdtsc() * 0x9e3779b97f4a7c15ul, (uint64_t)p ^ rdtsc() << 17 };
	uint64_t random = push(&b, rnd, sizeof(rnd), 16);

	uint64_t auxv[] = {
		AT_PHDR, img.phdr_vaddr, AT_PHENT, img.phent, AT_PHNUM, img.phnum,
		AT_PAGESZ, PAGE_SIZE, AT_ENTRY, img.entry, AT_RANDOM, random,
		AT_UID, 0, AT_EUID, 0, AT_GID, 0, AT_EGID, 0, AT_SECURE, 0, AT_CLKTCK, 100,
		AT_HWCAP, cpuid(1, 0).edx, AT_HWCAP2, 0,
		AT_MINSIGSTKSZ, fpu_sigframe_size(), AT_NULL, 0,
	};
	/* Keep rsp 16-byte aligned at argc: count what goes below the auxv. */
	size_t below = (1 + argc + 1 + envc + 1) * 8 + sizeof(auxv);
	b.sp = ALIGN_DOWN(b.sp - below, 16) + below;
	push(&b, auxv, sizeof(auxv), 8);
	push(&b, uenvp, (envc + 1) * 8, 8);
	push(&b, uargv, (argc + 1) * 8, 8);
	uint64_t argc64 = argc;
	push(&b, &argc64, 8, 8);
	if (b.err)
		return b.err;
	*entry = img.entry;
	*sp = b.sp;
	return 0;
}

/*
 * argv and envp from user memory, for execve and kestrel_spawn: at most
 * EXEC_MAX_ARGS strings each and EXEC_ARG_SPACE bytes in all (-E2BIG, as
 * Linux's limits), -EFAULT for a bad pointer.  argv may not be NULL for
 * kestrel_spawn (argv[0] names the program); a NULL envp means none.
 */
#define EXEC_MAX_ARGS 32
#define EXEC_ARG_SPACE 2048

static long copy_strv(char *const *uv, char **kv, char **space, char *end)
{
	int n = 0;
	for (kv[0] = NULL; uv; n++) {
		char *up;
		if (n == EXEC_MAX_ARGS)
			return -E2BIG;
		if (copy_from_user(&up, uv + n, sizeof(up)))
			return -EFAULT;
		kv[n] = NULL;
		if (!up)
			return 0;
		long len = strncpy_from_user(*space, up, end - *space);
		if (len < 0)
			return len;
		kv[n] = *space;
		*space += len + 1;
	}
	return 0;
}

long exec_args_copy(struct exec_args *a, char *const *uargv, char *const *uenvp)
{
	a->buf = kmalloc(EXEC_ARG_SPACE + 2 * (EXEC_MAX_ARGS + 1) * sizeof(char *));
	if (!a->buf)
		return -ENOMEM;
	a->argv = (char **)(a->buf + EXEC_ARG_SPACE);
	a->envp = a->argv + EXEC_MAX_ARGS + 1;
	char *space = a->buf, *end = a->buf + EXEC_ARG_SPACE;
	long err = copy_strv(uargv, a->argv, &space, end);
	return err ? err : copy_strv(uenvp, a->envp, &space, end);
}

void exec_args_free(struct exec_args *a)
{
	kfree(a->buf);
	a->buf = NULL;
}
