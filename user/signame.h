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
	case SIGHUP:
		return "SIGHUP";
	case SIGINT:
		return "SIGINT"; /* ^C on the console */
	case SIGQUIT:
		return "SIGQUIT";
	case SIGILL:	return "SIGILL";	/* #UD */
	case SIGTRAP:	return "SIGTRAP";	/* #BP: int3 */
	case SIGABRT:	return "SIGABRT";
	case SIGBUS:	return "SIGBUS";
	case SIGFPE:	return "SIGFPE";	/* #DE */
	case SIGKILL:	return "SIGKILL";
	case SIGUSR1:
		return "SIGUSR1";
	case SIGSEGV:	return "SIGSEGV";	/* #PF, #GP */
	case SIGUSR2:
		return "SIGUSR2";
	case SIGPIPE:
		return "SIGPIPE";
	case SIGALRM:
		return "SIGALRM";
	case SIGTERM:
		return "SIGTERM";
	default:	return "unknown signal";
	}
}

#endif
