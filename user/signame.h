/*
 * signame(): "SIGSEGV" for 11.  musl has strsignal(), but it says
 * "Segmentation fault", and a student matching a kill to a trap wants the
 * name the exception tables use.
 */
#ifndef KESTREL_SIGNAME_H
#define KESTREL_SIGNAME_H

#include <signal.h>

static inline const char *signame(int sig)
{
	switch (sig) {
	case SIGILL:	return "SIGILL";	/* #UD */
	case SIGTRAP:	return "SIGTRAP";	/* #BP: int3 */
	case SIGABRT:	return "SIGABRT";
	case SIGBUS:	return "SIGBUS";
	case SIGFPE:	return "SIGFPE";	/* #DE */
	case SIGKILL:	return "SIGKILL";
	case SIGSEGV:	return "SIGSEGV";	/* #PF, #GP */
	default:	return "unknown signal";
	}
}

#endif
