/* selftest_tests.c — `yogurt selftest` as a process: on this kernel (6.12)
 * every check passes or is skipped, exit 0; under a seccomp filter that
 * makes BPF_PROG_LOAD fail, the BPF checks say "not ok" with the reason,
 * the exit status is 1, and the run still reaches its last check. Each
 * run's output is also printed as "selftest-NAME| LINE" for tests/vm/run.sh,
 * whose KTAP parser checks it line by line. */
#include <stdio.h>
#include <string.h>

#include "suite.h"

#define SELFTEST_OUTPUT 16384

/* The output for run.sh, each line prefixed (never taken for a result). */
static void print_prefixed(const char *name, const char *output)
{
	for (const char *line = output; *line;) {
		size_t length = strcspn(line, "\n");

		printf("selftest-%s| %.*s\n", name, (int)length, line);
		line += length + (line[length] == '\n');
	}
}

/* How many result lines ("ok N " / "not ok N ") the output has. */
static int count_results(const char *output)
{
	int results = 0;

	for (const char *line = output; line; line = strchr(line, '\n')) {
		line += *line == '\n';
		results += strncmp(line, "ok ", 3) == 0 || strncmp(line, "not ok ", 7) == 0;
	}
	return results;
}

/* The results that failed, each with the diagnostic lines after it; the
 * whole output if none did (the run ended early). */
static const char *failures(const char *output, char *text, size_t size)
{
	size_t used = 0;
	int failing = 0;

	text[0] = '\0';
	for (const char *line = output; *line && used < size;) {
		size_t length = strcspn(line, "\n");

		if (strncmp(line, "ok ", 3) == 0 || strncmp(line, "not ok ", 7) == 0)
			failing = line[0] == 'n';
		if (failing)
			used += snprintf(text + used, size - used, "%.*s\n", (int)length, line);
		line += length + (line[length] == '\n');
	}
	return text[0] ? text : output;
}

void test_selftest(struct suite *suite)
{
	static char output[SELFTEST_OUTPUT], failed_lines[SELFTEST_OUTPUT];
	static const char denied[] = "\n# BPF_PROG_LOAD of a netkit/primary program: Permission denied\n";
	char first_failed[64];
	const char *failed, *reason;
	int status, plan = 0;

	status = run_yogurt("selftest", output, sizeof(output));
	print_prefixed("process", output);
	sscanf(strstr(output, "\n1..") ? strstr(output, "\n1..") + 4 : "0", "%d", &plan);
	check(suite, status == 0 && !strstr(output, "not ok"),
	      "selftest as a process on 6.12: nothing fails, exit 0", "exit %d:\n%s", status,
	      failures(output, failed_lines, sizeof(failed_lines)));
	check(suite, plan > 0 && count_results(output) == plan,
	      "selftest as a process: one result per check of the plan", "plan %d, %d results",
	      plan, count_results(output));

	status = run_yogurt_prepared("selftest", deny_program_load, output, sizeof(output));
	print_prefixed("seccomp", output);
	failed = strstr(output, "\nnot ok ");
	reason = failed ? strchr(failed + 1, '\n') : NULL;
	if (!failed || sscanf(failed, "\nnot ok %*d %63s", first_failed) != 1)
		first_failed[0] = '\0';
	check(suite, status == 1, "selftest with BPF_PROG_LOAD denied: exit 1", "exit %d", status);
	check(suite, strcmp(first_failed, "bpf_load_primary") == 0 && reason &&
	      strncmp(reason, denied, strlen(denied)) == 0,
	      "selftest with BPF_PROG_LOAD denied: the first failure is bpf_load_primary, with the reason",
	      "%s", output);
	check(suite, count_results(output) == plan && strstr(output, "\nok 1 netkit_l3_forward\n"),
	      "selftest with BPF_PROG_LOAD denied: the netkit checks pass and the run goes on to its end",
	      "%d results of %d:\n%s", count_results(output), plan, output);
}
