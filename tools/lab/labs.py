"""The lab sequence: what each lab asks for, where its code is, how it is
graded (docs/labs/README.md).  tools/lab/grade.py, cut.py and handin.py read
it; tests/test_labs.py checks that every student tree is honest.

A test is a case of the in-kernel suites (`case`: a KTAP name, and every
result under it must pass) on one or more rows, or a host program
(`host`: an argv; {seed} and {data} are filled in).  Points are per row.
"""
from dataclasses import dataclass, field


@dataclass
class Test:
    name: str
    points: int
    case: str = ''              # KTAP case (or subtest) names, comma-separated: all must pass
    host: tuple = ()            # or a host command
    rows: tuple = ()            # default: the lab's rows (host tests: none)
    timeout: float = 30         # seconds, times $KESTREL_GRADE_TIMEOUT_SCALE
    needs: str = ''             # 'dumps': held back where the real CPUID dumps are absent
    hint: str = ''              # said when it fails


@dataclass
class Lab:
    name: str
    title: str
    builds_on: tuple
    rows: tuple
    tests: list
    files: tuple                # where its markers are (checked)
    hide: tuple = ()            # paths left out of its student tree
    targets: tuple = ('build/kestrel-test.iso',)   # what make builds for it
    hours: str = ''             # how long it takes a student (docs/labs/README.md)


LABS = [
    Lab('switch', 'The context switch', (), ('tcg-max',), files=('cpu/switch.asm', 'kernel/sched.c'), tests=[
        Test('callee-saved registers survive switch_to', 3, 'switch.switch_preserves_callee_saved',
             hint='each of rbx, rbp, r12-r15 must be pushed on prev\'s stack and popped from next\'s'),
        Test('1000 switches with random patterns', 2, 'switch.switch_preserves_callee_saved_repeatedly'),
        Test('kernel threads ping-pong through yield', 2, 'sched.sched_pingpong_keeps_registers'),
        Test('a new thread starts in task_first_entry and exits', 2, 'sched.sched_exited_threads_are_freed',
             hint='task_new (kernel/task.c) leaves fn in r12 and arg in r13'),
        Test('round-robin order', 1, 'sched.sched_round_robin_order'),
        Test('the timer preempts a program that never enters the kernel', 3,
             'sched.sched_timer_preempts_a_spinning_program',
             hint='sched_tick must end the running task\'s time slice (TIF_NEED_RESCHED)'),
    ]),
    Lab('syscall', 'System calls and user memory', ('switch',), ('tcg-max', 'tcg-base'),
        files=('traps/trap.c', 'kernel/sys_misc.c', 'kernel/syscall.h'), tests=[
        Test('uname fills every field', 2, 'user.user_uname.uname_fills_every_field',
             hint='system call 63: a number, a table entry and a handler (kernel/syscall.h)'),
        Test('uname through musl\'s wrapper', 1, 'user.user_uname.libc_uname_agrees'),
        Test('uname with bad pointers gives -EFAULT', 2, 'user.user_uname.bad_pointers_get_efault'),
        Test('uname across an unmapped or read-only page', 2, 'user.user_uname.straddling_buffers_get_efault'),
        Test('copy_from_user recovers from a fault', 3, 'uaccess.uaccess_rejects_bad_pointers',
             hint='a fault at an instruction listed between __start_extable and __stop_extable must resume '
                  'at its fixup'),
        Test('a copy running into an unmapped page fails cleanly', 2, 'uaccess.uaccess_partial_copy_fails'),
        Test('a kernel fault with a fixup resumes there', 1, 'trap.trap_page_fault'),
        Test('every system call survives wild pointers', 3, 'user.user_wild_pointers',
             hint='a fault in copy_from_user or copy_to_user must resume at its exception-table fixup: '
                  'a kernel panic there means extable_fixup did not find the entry'),
    ]),
    Lab('layout', 'The XSAVE layout', ('switch',), ('tcg-max', 'bochs-spr'), files=('fpu/layout.c',),
        hide=('tests/data/cpuid',), targets=('build/kestrel-test.iso', 'build/host/lab-layout',
                                             'build/host/test_xstate_layout'), tests=[
        Test('random leaf-0xD configurations, standard format', 3,
             host=('build/host/lab-layout', '--seed', '{seed}', '--format', 'standard')),
        Test('random leaf-0xD configurations, compacted format', 4,
             host=('build/host/lab-layout', '--seed', '{seed}', '--format', 'compacted'),
             hint='SDM vol. 1 13.4.3: in index order from 576, each rounded up to 64 if ECX[1] says so'),
        Test('real CPUs: the layouts Linux computed', 3, host=('build/host/test_xstate_layout', '{data}'),
             needs='dumps'),
        Test('offsets are where this CPU\'s XSAVE* writes', 2, 'xstate.xstate_offsets_match_the_cpu'),
        Test('buffers are exactly the size CPUID gives', 1, 'xstate.xstate_buffers_are_exact'),
        Test('the strategy follows CPUID (no fallback to FXSAVE)', 1, 'xstate.xstate_strategy_follows_cpuid',
             hint='the kernel falls back to FXSAVE when xstate_layout_calculate fails: see the boot log'),
    ]),
    Lab('restore', 'Deferred restore', ('switch', 'layout'), ('tcg-max', 'bochs-spr', 'tcg-base'),
        files=('fpu/switch.c',), tests=[
        Test('two tasks keep their registers through 10^5 switches', 3, 'fpu.fpu_two_tasks_keep_their_registers'),
        Test('preempted programs keep their registers', 3, 'fpu.fpu_preempted_programs_keep_their_registers'),
        Test('a task that still owns its registers skips the restore', 3, 'fpu.fpu_owner_skips_restore',
             hint='fpregs_valid_for: the owner, on this CPU'),
        Test('kernel_fpu_begin saves a live task and invalidates', 2,
             'fpu.fpu_kernel_fpu_begin_saves_the_owner,fpu.fpu_kernel_fpu_begin_in_a_system_call',
             hint='in a system call the current task\'s registers are live: save them and set its flag'),
        Test('a switch-out never saves a task needing a load', 2,
             'fpu.fpu_switch_out_never_saves_a_task_needing_a_load',
             hint='a task switched out twice without going back to user mode: the second time, '
                  'the registers are whoever ran last'),
        Test('a restore that faults kills only that task', 1, 'fpu.fpu_faulting_restore_kills_only_the_task',
             rows=('tcg-max', 'bochs-spr'),
             hint='on a faulting XRSTOR: the init image in the registers and the buffer, nobody the owner, '
                  'and -EFAULT'),
        Test('a restore makes the task the owner, and freeing it ends that', 1,
             'fpu_owner.fpu_owner_freed_after_restore'),
        Test('a switch-out keeps the task the owner, and freeing it ends that', 1,
             'fpu_owner.fpu_owner_freed_after_switch_out'),
    ]),
    Lab('update', 'The one-feature update API', ('restore',), ('tcg-max', 'bochs-spr'),
        files=('fpu/update.c',), tests=[
        Test('edits of a sleeping owner and of a task needing a load are seen', 5,
             'fpu.fpu_update_of_cached_sleeping_task,fpu.fpu_update_of_task_needing_load',
             hint='finish must forget that the registers are valid (fpu_invalidate)'),
        Test('a component in init reads as its init value', 3, 'fpu.fpu_update_of_init_component'),
        Test('the x87 init fill leaves MXCSR alone', 2, 'fpu.fpu_update_fills_x87_init_around_mxcsr'),
    ]),
    Lab('pasid', 'PASID on first ENQCMD', ('update',), ('tcg-max', 'bochs-spr'), files=('traps/gp.c',), tests=[
        Test('first ENQCMD faults, is fixed up and retried', 3, 'user.user_pasid'),
        Test('ENQCMD through the emulation', 3, 'user.user_enqcmd'),
        Test('an update of a sleeping thread\'s PASID', 1, 'pasid.pasid_update_of_a_sleeping_thread'),
        Test('the PASID survives a switch before the retry', 2, 'pasid.pasid_survives_a_switch_before_the_retry'),
    ]),
    Lab('signals', 'Signals with extended state', ('update',), ('tcg-max', 'bochs-spr', 'tcg-base'),
        files=('fpu/signal.c',), tests=[
        Test('the frame, and sigreturn\'s checks', 5, 'user.user_sigframe'),
        Test('handlers, faults and restarts', 3, 'user.user_signals'),
    ]),
]

BY_NAME = {lab.name: lab for lab in LABS}


def before(name):
    """The labs a lab's student tree keeps solved, and grades: those before it."""
    names = [lab.name for lab in LABS]
    return LABS[:names.index(name)]
