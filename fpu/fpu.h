/*
 * Extended state (x87, SSE, AVX, AVX-512, PKRU, CET, PASID, AMX): what
 * fpu/ offers the rest of the kernel.  The rules, as in Linux's
 * arch/x86/kernel/fpu/:
 *   - a task's user registers are saved eagerly when it is switched out;
 *   - they are restored lazily, in exit_to_user_mode(), only when the task
 *     has TIF_NEED_FPU_LOAD set and the registers do not still hold its
 *     state (fpu_owner and last_cpu say whether they do);
 *   - except PKRU, which the kernel's own user accesses obey: it is written
 *     eagerly at every switch (fpu/pkru.c) and never by XRSTOR;
 *   - kernel code touches these registers only between kernel_fpu_begin()
 *     and kernel_fpu_end(), and edits a task's buffer only through
 *     xstate_begin_update()/xstate_finish_update().
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fpu/layout.h"

struct task;

struct fpu {
	void *state;		/* the task's buffer, in the kernel's format; NULL for kthreads */
	int last_cpu;		/* CPU whose registers last held this state, -1 if none */
	uint64_t saves, restores, restores_skipped;
	bool pasid_activated;	/* this thread's IA32_PASID was installed (fpu/pasid) */
	uint32_t pasid_fixups;
	uint32_t sig_pkru; /* PKRU while a signal frame is written (fpu/signal.c) */
};

/* XSAVE feature numbers (SDM vol. 1 13.1) beyond x87 and SSE (fpu/layout.h). */
enum xfeature {
	XFEATURE_YMM = 2,
	XFEATURE_OPMASK = 5, XFEATURE_ZMM_HI256 = 6, XFEATURE_HI16_ZMM = 7,
	XFEATURE_PKRU = 9, XFEATURE_PASID = 10, XFEATURE_CET_USER = 11,
	XFEATURE_CET_KERNEL = 12, XFEATURE_XTILE_CFG = 17, XFEATURE_XTILE_DATA = 18,
};

enum fpu_strategy { FPU_FXSAVE, FPU_XSAVE, FPU_XSAVEOPT, FPU_XSAVEC, FPU_XSAVES };

/* fpu/xstate.c: what this CPU has and how Kestrel stores it. */
struct fpu_config {
	enum fpu_strategy strategy;
	bool compacted;			/* buffer format: XSAVEC/XSAVES */
	bool layout_refused;		/* leaf 0xD made no sense: FXSAVE instead */
	uint64_t xfeatures;		/* everything in a task's buffer: XCR0 | IA32_XSS */
	uint64_t xcr0, xss;
	uint64_t xfeatures_sw;		/* features kept by software (an emulated PASID) */
	uint32_t size;			/* bytes per task buffer, exactly */
	uint32_t hw_size;		/* of which the CPU's format (the rest: software PASID) */
	uint32_t offset[64], sizes[64];	/* where each feature lives in that format */
	uint32_t std_offset[64];	/* standard-format offsets (for ptrace-style copies) */
	uint32_t std_size;		/* standard-format size of the user features */
	bool pasid_emulated;		/* PASID kept in software, not IA32_XSS */
	uint32_t pasid_sw_offset;	/* emulated: where its present word and value sit */
	uint32_t mxcsr_mask;		/* the MXCSR bits this CPU implements */
};
extern struct fpu_config fpu_cfg;

void fpu_init(void);
void fpu_bench(void);		/* fpu/bench.c: make bench */
const char *fpu_strategy_name(enum fpu_strategy s);

/* fpu/switch.c: tasks, switches, the return to user mode. */
int fpu_task_init(struct task *t);
void fpu_clone(struct task *child, struct task *parent);
void fpu_exec(struct task *t); /* init state, no PASID */
void fpu_task_free(struct task *t);
void fpu_switch_out(struct task *prev, struct task *next);
int fpu_restore_for_user(struct task *t);	/* -EFAULT: the image faulted, now init */
void kernel_fpu_begin(void);
void kernel_fpu_end(void);
bool fpregs_valid_for(const struct task *t);	/* are t's registers live on this CPU? */

/* fpu/update.c: change one component of any task's state. */
void *xstate_begin_update(struct task *t, int xfeature);
void xstate_finish_update(struct task *t, int xfeature);

/* fpu/pkru.c: PKRU, switched eagerly. */
uint32_t rdpkru(void);
void wrpkru(uint32_t pkru);

/* fpu/signal.c: the state in a signal frame, Linux's user format. */
size_t fpu_sigframe_size(void); /* AT_MINSIGSTKSZ */
size_t fpu_sigframe_fpstate_size(void);
int fpu_sigframe_save(struct task *t, void *ufp);
void fpu_signal_abort(struct task *t); /* the frame failed: PKRU back */
int fpu_sigframe_restore(struct task *t, const void *ufp);
void fpu_reset_user_state(struct task *t);	  /* user components init (execve) */
int fpu_exception_code(struct task *t, bool x87); /* #MF/#XM: SIGFPE's si_code */

/* fpu/regset.c: the whole user state in the standard format, for debuggers. */
size_t xstate_regset_size(void);
int xstate_regset_get(struct task *t, void *out);
int xstate_regset_set(struct task *t, const void *img, size_t len);
const char *xstate_regset_check(const void *img, size_t len);

/* fpu/pasid_msr.c: the PASID component, in hardware or emulated. */
uint64_t pasid_current_value(void);

struct fpu_totals { uint64_t saves, restores, restores_skipped; };
extern struct fpu_totals fpu_totals;
