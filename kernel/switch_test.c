/*
 * switch_to (cpu/switch.asm), called directly: between two contexts the
 * scheduler knows nothing about, with interrupts off, so that what comes
 * back is switch_to's doing alone.
 *
 * The System V x86-64 ABI (3.2.1) makes rbx, rbp and r12-r15 callee-saved:
 * switch_to's C callers keep values there across the call, while the other
 * task runs and puts its own values in them.  So the test loads a distinct
 * pattern into each of the six, switches to a partner that loads different
 * ones and switches back, and reads all six again.  A switch that loses any
 * single one (say it saves r13 twice and never r12) fails here, naming it.
 *
 * The partner's first context is made by switch_to itself, not faked: on
 * its own stack, the partner calls switch_to(partner, partner), which saves
 * its registers and returns at once, and then leaves that stack without
 * touching it.  Switching to the partner later returns from that same call
 * a second time (as setjmp does), so the test depends on no stack layout.
 */
#include "kernel/kernel.h"
#include "kernel/ktest.h"
#include "mm/mm.h"
#include "kernel/task.h"
#include "cpu/x86.h"
#include "kernel/sched.h"
#include "mm/vm.h"
#include "mm/heap.h"

enum { RBX, RBP, R12, R13, R14, R15, NREGS };
static const char *const reg_names[NREGS] = { "rbx", "rbp", "r12", "r13", "r14", "r15" };

/* Shared with the assembly below (which reaches them RIP-relative). */
__attribute__((used)) static struct task *st_me, *st_partner;
__attribute__((used)) static uint64_t st_partner_stack;	/* top of the partner's stack */
__attribute__((used)) static uint64_t st_in[NREGS];		/* loaded before switch_to(me, partner) */
__attribute__((used)) static uint64_t st_clobber[NREGS];	/* loaded by the partner */
__attribute__((used)) static uint64_t st_out[NREGS];		/* read after coming back */
__attribute__((used)) static uint64_t st_rsp, st_rsp_after, st_ret;

void switch_probe(void);

/*
 * switch_probe: save the C caller's callee-saved registers, start the
 * partner, load st_in, switch_to(me, partner), store what came back.
 * partner_run: first return from switch_to(partner, partner): go back to
 * the probe's stack; second return (switched to by the probe): load
 * st_clobber and switch_to(partner, me), which never returns here.
 */
asm(".text\n"
    ".type switch_probe, @function\n"
    "switch_probe:\n"
    "	push %rbp\n"
    "	push %rbx\n"
    "	push %r12\n"
    "	push %r13\n"
    "	push %r14\n"
    "	push %r15\n"
    "	mov %rsp, st_rsp(%rip)\n"
    "	mov st_partner_stack(%rip), %rsp\n"
    "	jmp partner_run\n"
    "switch_probe_back:\n"
    "	mov st_in+0(%rip), %rbx\n"
    "	mov st_in+8(%rip), %rbp\n"
    "	mov st_in+16(%rip), %r12\n"
    "	mov st_in+24(%rip), %r13\n"
    "	mov st_in+32(%rip), %r14\n"
    "	mov st_in+40(%rip), %r15\n"
    "	mov st_me(%rip), %rdi\n"
    "	mov st_partner(%rip), %rsi\n"
    "	call switch_to\n"
    "	mov %rbx, st_out+0(%rip)\n"
    "	mov %rbp, st_out+8(%rip)\n"
    "	mov %r12, st_out+16(%rip)\n"
    "	mov %r13, st_out+24(%rip)\n"
    "	mov %r14, st_out+32(%rip)\n"
    "	mov %r15, st_out+40(%rip)\n"
    "	mov %rax, st_ret(%rip)\n"
    "	mov %rsp, st_rsp_after(%rip)\n"
    "	pop %r15\n"
    "	pop %r14\n"
    "	pop %r13\n"
    "	pop %r12\n"
    "	pop %rbx\n"
    "	pop %rbp\n"
    "	ret\n"
    ".size switch_probe, . - switch_probe\n"
    ".type partner_run, @function\n"
    "partner_run:\n"
    "	mov st_partner(%rip), %rdi\n"
    "	mov %rdi, %rsi\n"
    "	call switch_to\n"
    "	cmp st_partner(%rip), %rax\n"
    "	jne 1f\n"
    "	mov st_rsp(%rip), %rsp\n"
    "	jmp switch_probe_back\n"
    "1:	mov st_clobber+0(%rip), %rbx\n"
    "	mov st_clobber+8(%rip), %rbp\n"
    "	mov st_clobber+16(%rip), %r12\n"
    "	mov st_clobber+24(%rip), %r13\n"
    "	mov st_clobber+32(%rip), %r14\n"
    "	mov st_clobber+40(%rip), %r15\n"
    "	mov st_partner(%rip), %rdi\n"
    "	mov st_me(%rip), %rsi\n"
    "	call switch_to\n"
    "	ud2\n"
    ".size partner_run, . - partner_run\n");

/* One round trip me -> partner -> me with these patterns; false if it could not run. */
static bool round_trip(struct ktest *t, uint64_t seed)
{
	struct task *me = kzalloc(sizeof(*me)), *partner = kzalloc(sizeof(*partner));
	void *stack = kstack_alloc();
	bool ran = me && partner && stack;
	if (ran) {
		/* Both in the current address space, with its FS base: the
		 * switch has nothing to change but the stack. */
		me->cr3 = partner->cr3 = read_cr3();
		me->fs_base = partner->fs_base = current()->fs_base;
		for (int i = 0; i < NREGS; i++) {
			st_in[i] = seed ^ (0x1111111111111111ul * (i + 1));
			st_clobber[i] = ~st_in[i];
		}
		st_me = me;
		st_partner = partner;
		st_partner_stack = (uint64_t)stack;
		uint64_t f = irq_save();
		switch_probe();
		irq_restore(f);
		for (int i = 0; i < NREGS; i++)
			ktest_check(t, st_out[i] == st_in[i], __FILE__, __LINE__,
				    "%s not preserved across switch_to: got 0x%lx, want 0x%lx",
				    reg_names[i], st_out[i], st_in[i]);
		KEXPECT_EQ(t, st_ret, (uint64_t)partner);	/* the task we came back from */
		KEXPECT_EQ(t, st_rsp_after, st_rsp);
	}
	KEXPECT(t, ran);
	if (stack)
		kstack_free(stack);
	kfree(partner);
	kfree(me);
	return ran;
}

static void switch_preserves_callee_saved(struct ktest *t)
{
	round_trip(t, 0x5eed000000000000ul ^ ktest_seed() << 20);
}

/* Patterns with every bit set and clear somewhere, many times over: a
 * switch that only sometimes loses a register shows it too. */
static void switch_preserves_callee_saved_repeatedly(struct ktest *t)
{
	for (uint64_t i = 0; i < 1000 && !t->failures; i++)
		if (!round_trip(t, (i + ktest_seed()) * 0x9e3779b97f4a7c15ul))
			return;
}

KTEST_SUITE(switch,
	KTEST_CASE(switch_preserves_callee_saved),
	KTEST_CASE(switch_preserves_callee_saved_repeatedly));
