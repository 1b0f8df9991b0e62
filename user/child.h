/*
 * child.h: a test program runs itself again as a child, to watch it die.
 *
 * A fatal behaviour (a page fault, a bad instruction) cannot be tested in
 * the test program itself.  Instead it spawns itself with argv[1] naming
 * what the child is to do, collects the child with waitpid(), and checks
 * how it ended.  The parent surviving to report is part of the test.
 */
#ifndef KESTREL_CHILD_H
#define KESTREL_CHILD_H

#include <errno.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "kestrel.h"
#include "signame.h"

extern char **environ;

/* Start program prog (our own name) with argv[1] = mode: its pid, or -errno. */
static inline long child_start(const char *prog, const char *mode)
{
	char *argv[] = { (char *)prog, (char *)mode, NULL };
	long pid = kestrel_spawn(prog, argv, environ);

	if (pid != -ENOSYS)
		return pid;
	/*
	 * Not on Kestrel.  Linux's posix_spawn runs the same child code, so
	 * each expectation is also checked against Linux's own answer.  No
	 * core files: these children crash on purpose.
	 */
	struct rlimit no_core = { 0, 0 };
	setrlimit(RLIMIT_CORE, &no_core);
	pid_t p;
	int err = posix_spawn(&p, "/proc/self/exe", NULL, NULL, argv, environ);
	return err ? -err : p;
}

/* Run the child to its end.  Returns its wait status, or -errno. */
static inline int child_run(const char *prog, const char *mode)
{
	long pid = child_start(prog, mode);
	int status;

	if (pid < 0)
		return pid;
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return status;
}

/* How a child ended, in words, for a diagnostic. */
static inline const char *child_describe(int status, char *buf, size_t len)
{
	if (status < 0)
		snprintf(buf, len, "could not run it: error %d", -status);
	else if (WIFEXITED(status))
		snprintf(buf, len, "it exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "it was killed by signal %d (%s)", WTERMSIG(status), signame(WTERMSIG(status)));
	else
		snprintf(buf, len, "wait status %#x", status);
	return buf;
}

static inline bool child_killed_by(int status, int sig)
{
	return status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == sig;
}

static inline bool child_exited_with(int status, int code)
{
	return status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == code;
}

#endif
