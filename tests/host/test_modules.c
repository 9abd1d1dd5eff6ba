/* test_modules.c — modules/plan.c on the host: the load order modules_plan
 * makes of depmod's modules.dep lines (dependencies from the last, each
 * module once), and each refusal with its line. Prints KTAP-style lines;
 * exits 1 if anything failed. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "modules/modules.h"
#include "tests/ktap.h"

/* The plan as one text: the paths in load order, separated by spaces. */
static const char *plan_text(const char *text, const struct modules_plan *plan)
{
	static char joined[4096];
	size_t length = 0;

	joined[0] = '\0';
	for (size_t index = 0; index < plan->count && length < sizeof(joined) - 300; index++)
		length += (size_t)snprintf(joined + length, sizeof(joined) - length, "%s%.*s",
					   index ? " " : "", (int)plan->paths[index].length,
					   text + plan->paths[index].offset);
	return joined;
}

static void expect_plan(struct ktap *ktap, const char *text, const char *expected,
			const char *what)
{
	struct modules_plan plan;
	int error = modules_plan(text, strlen(text), &plan);
	const char *got = error ? "" : plan_text(text, &plan);

	ktap_check(ktap, error == 0 && strcmp(got, expected) == 0, what,
		   "error %d, planned \"%s\", expected \"%s\"", error, got, expected);
}

static void expect_refusal(struct ktap *ktap, const char *text, size_t length, int expected,
			   size_t line, const char *what)
{
	struct modules_plan plan;
	int error = modules_plan(text, length, &plan);

	ktap_check(ktap, error == expected && plan.line == line, what,
		   "error %d at line %zu, expected %d at line %zu", error, plan.line, expected,
		   line);
}

int main(void)
{
	struct ktap state = { 0 }, *ktap = &state;
	char many[MODULES_MAX * 16 + 64], long_path[MODULES_PATH_MAX + 8];
	size_t length = 0;

	ktap_comment("modules_plan: modules.dep into a load order");
	expect_plan(ktap, "", "", "an empty modules.dep plans nothing");
	expect_plan(ktap, "veth.ko:\n", "veth.ko", "one module without dependencies");
	expect_plan(ktap, "kernel/net/bridge/bridge.ko: kernel/net/802/stp.ko kernel/net/llc/llc.ko\n",
		    "kernel/net/llc/llc.ko kernel/net/802/stp.ko kernel/net/bridge/bridge.ko",
		    "dependencies from the last (depmod lists a module before those it uses), then the module");
	expect_plan(ktap, "bridge.ko: stp.ko llc.ko\nstp.ko: llc.ko\nllc.ko:\nveth.ko:\n",
		    "llc.ko stp.ko bridge.ko veth.ko", "each module once, however many lines name it");
	expect_plan(ktap, "veth.ko:\nbridge.ko:\tstp.ko   llc.ko \t\n", "veth.ko llc.ko stp.ko bridge.ko",
		    "lines in order; tabs and runs of blanks separate words; trailing blanks");
	expect_plan(ktap, "# packed by hand\n\nveth.ko:\n\n", "veth.ko", "comments and empty lines skipped");
	expect_plan(ktap, "a.ko: b.ko\r\nb.ko:\r\n", "b.ko a.ko", "CRLF line ends: the CR is a blank");
	expect_plan(ktap, "veth.ko:", "veth.ko", "a last line without its newline");
	expect_plan(ktap, "/lib/x/a.ko: /lib/x/b.ko", "/lib/x/b.ko /lib/x/a.ko", "absolute paths as they are");
	expect_plan(ktap, "a.ko: b.ko\nb.ko: a.ko\n", "b.ko a.ko", "a cycle ends: each module once");

	expect_refusal(ktap, "veth.ko\n", 8, -EINVAL, 1, "a line without ':' refused, line 1");
	expect_refusal(ktap, "veth.ko:\n: llc.ko\n", 17, -EINVAL, 2, "an empty path refused, line 2");
	expect_refusal(ktap, "a.ko:\n\n# x\nb c.ko: d.ko\n", 23, -EINVAL, 4,
		       "a blank inside a path refused, line 4 (comments and empty lines count)");
	expect_refusal(ktap, " a.ko:\n", 7, -EINVAL, 1, "a path starting with a blank refused");
	expect_refusal(ktap, "a\0b.ko: c.ko\n", 13, -EINVAL, 1, "a NUL in a path refused");
	{
		struct modules_plan plan;
		int error = modules_plan("a.ko: b\0c.ko\n", 13, &plan);

		ktap_check(ktap, error == 0 && plan.count == 3 && strcmp(plan_text("a.ko: b\0c.ko\n", &plan),
									"c.ko b a.ko") == 0,
			   "a NUL between dependencies separates them: no path holds one", "error %d", error);
	}
	memset(long_path, 'x', sizeof(long_path));
	long_path[MODULES_PATH_MAX + 1] = ':';
	expect_refusal(ktap, long_path, MODULES_PATH_MAX + 2, -ENAMETOOLONG, 1,
		       "a path over MODULES_PATH_MAX bytes refused");
	long_path[MODULES_PATH_MAX] = ':';
	expect_refusal(ktap, long_path, MODULES_PATH_MAX + 1, 0, 1, "a path of MODULES_PATH_MAX bytes taken");
	for (int index = 0; index <= MODULES_MAX; index++)
		length += (size_t)snprintf(many + length, sizeof(many) - length, "m%d.ko:\n", index);
	expect_refusal(ktap, many, length, -E2BIG, MODULES_MAX + 1, "more than MODULES_MAX modules refused");
	expect_refusal(ktap, many, length - strlen("m64.ko:\n"), 0, MODULES_MAX, "MODULES_MAX modules taken");
	ktap_comment("%d tests, %d failed", ktap->number, ktap->failed);
	return ktap_exit_status(ktap);
}
