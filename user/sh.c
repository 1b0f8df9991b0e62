/*
 * sh: Kestrel's shell.  It reads a line, splits it into words at blanks,
 * and either runs a built-in (help, ls, exit) or starts the program the
 * first word names, waits for it, and says how it ended if that was not a
 * plain exit 0.  No quoting, pipes or redirection: just enough to start
 * programs by hand and watch what becomes of them.
 *
 * The kernel's console does the line editing (backspace and echo), so a
 * read() here returns typed text only once Enter is pressed.  ^C sends
 * SIGINT to every process of the console's session (drivers/tty.c): the
 * shell ignores it, so only the program it is running dies.  A program
 * spawned starts with every signal at its default.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kestrel.h"
#include "signame.h"

#define MAX_LINE 256
#define MAX_ARGS 32

extern char **environ;

static char in[512];		/* what read() returned that is not used yet */
static size_t in_pos, in_len;

/*
 * The next line of input, without its newline, in buf.  Returns the line's
 * length (more than fits in buf if it was cut short), or -1 at the end of
 * input.  One read() may return part of a line or several lines, so bytes
 * are taken one at a time from a buffer.
 */
static long read_line(char *buf, size_t size)
{
	size_t n = 0;
	bool any = false;

	for (;;) {
		if (in_pos == in_len) {
			ssize_t got = read(0, in, sizeof(in));
			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0)
				fprintf(stderr, "sh: read: %s\n", strerror(errno));
			if (got <= 0)
				break;
			in_pos = 0;
			in_len = got;
		}
		char c = in[in_pos++];
		any = true;
		if (c == '\n')
			break;
		if (n + 1 < size)
			buf[n] = c;
		n++;
	}
	buf[n < size ? n : size - 1] = '\0';
	return any ? (long)n : -1;	/* a last line without a newline still counts */
}

/* Split line in place into words; returns how many, or -1 if too many. */
static int split(char *line, char *argv[], int max)
{
	int argc = 0;

	for (char *word = strtok(line, " \t\r"); word; word = strtok(NULL, " \t\r")) {
		if (argc == max - 1)
			return -1;
		argv[argc++] = word;
	}
	argv[argc] = NULL;
	return argc;
}

static void help(void)
{
	printf("Type the name of a program and its arguments, e.g.: hello\n"
	       "Built-in commands:\n"
	       "  help       this text\n"
	       "  ls         list the programs\n"
	       "  exit [N]   leave the shell, with status N (default 0)\n");
}

static void list_programs(void)
{
	/* The kernel says -ERANGE while the buffer is too small: grow it. */
	for (size_t size = 256; size <= 65536; size *= 2) {
		char *names = malloc(size);
		if (!names)
			break;
		long len = kestrel_progs(names, size);
		if (len >= 0) {
			for (char *p = names; p < names + len; p += strlen(p) + 1)
				printf("%s\n", p);
		} else if (len == -ENOSYS) {
			fprintf(stderr, "sh: ls: no program list: this is not Kestrel\n");
		} else if (len != -ERANGE) {
			fprintf(stderr, "sh: ls: %s\n", strerror(-len));
		}
		free(names);
		if (len != -ERANGE)
			return;
	}
	fprintf(stderr, "sh: ls: the program list is too long\n");
}

static void run(char *argv[])
{
	long pid = kestrel_spawn(argv[0], argv, environ);

	if (pid == -ENOENT) {
		fprintf(stderr, "sh: %s: no such program (ls lists them)\n", argv[0]);
		return;
	}
	if (pid == -ENOSYS) {
		fprintf(stderr, "sh: cannot run %s: no spawn call: this is not Kestrel\n", argv[0]);
		return;
	}
	if (pid < 0) {
		fprintf(stderr, "sh: %s: %s\n", argv[0], strerror(-pid));
		return;
	}

	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "sh: waiting for %s: %s\n", argv[0], strerror(errno));
			return;
		}
	}
	if (WIFSIGNALED(status))
		fprintf(stderr, "sh: %s killed by signal %d (%s)\n", argv[0],
			WTERMSIG(status), signame(WTERMSIG(status)));
	else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		fprintf(stderr, "sh: %s exited with status %d\n", argv[0], WEXITSTATUS(status));
}

int main(void)
{
	char line[MAX_LINE];
	char *argv[MAX_ARGS];

	signal(SIGINT, SIG_IGN);
	/*
	 * musl line-buffers stdout when ioctl(TIOCGWINSZ) says it is a
	 * terminal, as Kestrel's console does; ask for it outright anyway, so
	 * the shell behaves the same wherever stdout goes.
	 */
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (;;) {
		printf("kestrel$ ");
		fflush(stdout);		/* the prompt has no newline */
		long len = read_line(line, sizeof(line));
		if (len < 0) {
			printf("\n");
			return 0;
		}
		if (len >= MAX_LINE) {
			fprintf(stderr, "sh: line longer than %d characters ignored\n", MAX_LINE - 1);
			continue;
		}

		int argc = split(line, argv, MAX_ARGS);
		if (argc < 0) {
			fprintf(stderr, "sh: more than %d words\n", MAX_ARGS - 1);
			continue;
		}
		if (argc == 0)
			continue;
		fflush(stdout);		/* the child writes to the same console */
		if (strcmp(argv[0], "help") == 0)
			help();
		else if (strcmp(argv[0], "ls") == 0)
			list_programs();
		else if (strcmp(argv[0], "exit") == 0)
			return argc > 1 ? atoi(argv[1]) : 0;
		else
			run(argv);
	}
}
