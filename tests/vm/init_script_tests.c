/* init_script_tests.c — the shipped sysvinit/busybox init script
 * (dist/sysvinit/yogurt.in, for /bin/yogurt) under busybox sh, as busybox
 * init would run it: start, status, stop, restart, reload, with the LSB exit
 * codes, and the default phone really up or really gone after each. Runs
 * with /etc/yogurt.conf absent (the default phone) and leaves no phone up,
 * as the config tests after it expect. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "suite.h"
#include "format/format.h"

#define BUSYBOX "/bin/busybox"
#define INIT_SCRIPT "/etc/init.d/yogurt"
#define OUTPUT_SIZE 8192

/* LSB: status 0 running, 1 partly (dead with state left), 3 not running,
 * 4 unknown; other actions 1 failed, 2 invalid arguments. */
enum { LSB_OK = 0, LSB_FAILED = 1, LSB_BAD_ARGUMENT = 2, LSB_NOT_RUNNING = 3, LSB_UNKNOWN = 4 };
#define LSB_PARTLY LSB_FAILED

/* busybox sh /etc/init.d/yogurt ACTION... (NULL-terminated); output holds
 * what it printed. */
static int init_script(char *output, const char *action, const char *extra)
{
	char *arguments[] = { BUSYBOX, "sh", INIT_SCRIPT, (char *)action, (char *)extra, NULL };

	return run_program(arguments, NULL, output, OUTPUT_SIZE);
}

/* The action's exit status is expected and the default phone is all there
 * (up 1) or all gone (up 0), checked piece by piece, pinged when up. */
static void expect(struct suite *suite, const char *action, int expected, int up,
		   const char *name)
{
	const struct phone *phone = &suite->topology.phones[0];
	char output[OUTPUT_SIZE], why[256] = "";
	int status = init_script(output, action, NULL);
	int as_it_should = up ? configured_phone_present(phone, why, sizeof(why)) &&
				ping_across(phone, why, sizeof(why))
			      : configured_phone_gone(phone, why, sizeof(why));

	check(suite, status == expected && as_it_should, name, "exit %d (want %d), %s: %s\n%s",
	      status, expected, up ? "up" : "gone", why, output);
}

/* status alone: the exit code and a word of what it says. */
static void expect_status(struct suite *suite, int expected, const char *says, const char *name)
{
	char output[OUTPUT_SIZE];
	int status = init_script(output, "status", NULL);

	check(suite, status == expected && strstr(output, says), name, "exit %d (want %d): %s",
	      status, expected, output);
}

/* A pin removed by hand (which detaches its program): partly running, and
 * start puts it back. */
static void test_repair(struct suite *suite)
{
	char path[128];

	format_string(path, sizeof(path), "%s/%s/peer", PHONE_PIN_ROOT,
		      suite->topology.phones[0].ends[0].host_device);
	check(suite, unlink(path) == 0, "init script: a wire pin removed by hand", "unlink %s: %s",
	      path, strerror(errno));
	expect_status(suite, LSB_PARTLY, "partly running",
		      "init script: status with a pin missing exits 1, partly running");
	expect(suite, "start", LSB_OK, 1, "init script: start repairs it, exit 0");
	expect_status(suite, LSB_OK, "is running", "init script: status after the repair exits 0");
}

/* What the script refuses: unknown or excess arguments (2, nothing
 * touched), a broken /etc/yogurt.conf (start 1, status 4, nothing touched). */
static void test_refusals(struct suite *suite)
{
	const struct phone *phone = &suite->topology.phones[0];
	char output[OUTPUT_SIZE], why[256] = "";
	int status;

	expect(suite, "bogus", LSB_BAD_ARGUMENT, 1,
	       "init script: an unknown action exits 2 and leaves the phone up");
	status = init_script(output, "start", "extra");
	check(suite, status == LSB_BAD_ARGUMENT && strstr(output, "usage:"),
	      "init script: start with an excess argument exits 2 with the usage", "exit %d: %s",
	      status, output);
	status = init_script(output, NULL, NULL);
	check(suite, status == LSB_BAD_ARGUMENT, "init script: no action exits 2", "exit %d: %s",
	      status, output);
	write_text_file(CONFIG_DEFAULT_PATH, "phone broken\n");
	status = init_script(output, "status", NULL);
	check(suite, status == LSB_UNKNOWN && strstr(output, CONFIG_DEFAULT_PATH),
	      "init script: status with a broken /etc/yogurt.conf exits 4, yogurt's line shown",
	      "exit %d: %s", status, output);
	status = init_script(output, "start", NULL);
	check(suite, status == LSB_FAILED && configured_phone_present(phone, why, sizeof(why)),
	      "init script: start with a broken /etc/yogurt.conf exits 1 and changes nothing",
	      "exit %d, %s: %s", status, why, output);
	unlink(CONFIG_DEFAULT_PATH);
}

void test_init_script(struct suite *suite)
{
	char output[OUTPUT_SIZE];

	unlink(CONFIG_DEFAULT_PATH);
	expect(suite, "stop", LSB_OK, 0, "init script: stop exits 0, the phone is gone");
	expect_status(suite, LSB_NOT_RUNNING, "not running",
		      "init script: status after stop exits 3, not running");
	expect(suite, "stop", LSB_OK, 0, "init script: stop when stopped exits 0");
	expect(suite, "start", LSB_OK, 1, "init script: start exits 0, the phone is up and works");
	expect_status(suite, LSB_OK, "is running",
		      "init script: status after start exits 0, running");
	check(suite, init_script(output, "reload", NULL) == LSB_OK &&
		     strstr(output, "already up, nothing changed"),
	      "init script: reload on an unchanged configuration exits 0, nothing changed", "%s",
	      output);
	test_repair(suite);
	expect(suite, "stop", LSB_OK, 0, "init script: stop again, the phone is gone");
	expect_status(suite, LSB_NOT_RUNNING, "not running", "init script: status exits 3 again");
	expect(suite, "restart", LSB_OK, 1, "init script: restart when stopped exits 0, phone up");
	expect(suite, "restart", LSB_OK, 1, "init script: restart when running exits 0, phone up");
	expect_status(suite, LSB_OK, "is running", "init script: status after restart exits 0");
	test_refusals(suite);
	expect(suite, "stop", LSB_OK, 0, "init script: stop at the end, the phone is gone");
}
