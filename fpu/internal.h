/*
 * What fpu/'s files share and no other room may call: the init image, the
 * preemption guard of the registers, the one-component helpers, and the
 * pieces of a switch (PKRU, the PASID component).  The kernel's interface
 * is fpu/fpu.h; docs/layout.md's check keeps this header inside fpu/.
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "fpu/fpu.h"

struct task;

/* fpu/xstate.c */
extern const void *fpu_init_state;	/* what a new task starts from */
bool fpu_strategy_supported(enum fpu_strategy s);

/* fpu/selftest.c: NULL if the CPU does what the SDM says, else why not. */
const char *pku_selftest(void);
const char *amx_selftest(void);

/* fpu/switch.c */
void fpu_buffers_init(void);		/* once fpu_cfg.size is known */
void fpregs_lock(void);			/* the registers stay whose they are */
void fpregs_unlock(void);
void fpu_invalidate(struct task *t);	/* forget that t's registers may be live */
void fpu_sync_state(struct task *t);	/* t's buffer is the truth from here */

/* fpu/update.c */
void xstate_update_init(void);
void xstate_end_read(struct task *t, int xfeature);	/* after a begin that changed nothing */

/* fpu/pkru.c */
bool pkru_enabled(void);
uint32_t pkru_of(struct task *t);	/* the value in t's buffer */
void pkru_switch_to(struct task *next);

/* fpu/pasid_msr.c */
void pasid_save_regs(void *buf);
void pasid_restore_regs(const void *buf);
void pasid_save_live(struct task *t);
void pasid_restore_live(struct task *t);
bool pasid_present(struct task *t);
void pasid_mark_present(struct task *t);
