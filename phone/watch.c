/* watch.c — the wire as it runs, without bpf_printk: once a second, what
 * each wire instance counted since the second before, read from its
 * counters map (the same numbers `yogurt status` shows in total). */
#include <errno.h>
#include <string.h>
#include <poll.h>

#include "phone.h"
#include "../bpf/bpf.h"
#include "../wire/wire.h"
#include "../format/format.h"
#include "../nl/nl.h"

static void print_delta(int out, const char *device, const struct wire_count *now, const struct wire_count *before)
{
	format_print(out, "  %-15s sent %6llu pkts %9llu B | passed %6llu pkts %9llu B | dropped %5llu not from the wire, "
		     "%llu no pairing\n", device,
		     (unsigned long long)(now[WIRE_SENT].packets - before[WIRE_SENT].packets),
		     (unsigned long long)(now[WIRE_SENT].bytes - before[WIRE_SENT].bytes),
		     (unsigned long long)(now[WIRE_PASSED].packets - before[WIRE_PASSED].packets),
		     (unsigned long long)(now[WIRE_PASSED].bytes - before[WIRE_PASSED].bytes),
		     (unsigned long long)(now[WIRE_DROPPED_NOT_WIRE].packets - before[WIRE_DROPPED_NOT_WIRE].packets),
		     (unsigned long long)(now[WIRE_DROPPED_NO_PAIR].packets - before[WIRE_DROPPED_NO_PAIR].packets));
}

/* Reads the counters of every wire into now; 0 or an error in report. */
static int read_all(const struct topology *topology, struct wire_count now[PHONE_MAX][2][WIRE_COUNTER_MAX],
		    struct report *report)
{
	for (size_t index = 0; index < topology->count * 2; index++) {
		const char *device = topology->phones[index / 2].ends[index % 2].host_device;
		int ifindex = nl_device_index(device);
		int error = ifindex < 0 ? ifindex : wire_read_counters((uint32_t)ifindex, now[index / 2][index % 2]);

		if (error < 0)
			return report_error(report, error, "no wire to watch on %s: %s (is the phone up?)", device,
					    error == -ENOENT ? "no program attached" : error_text(-error));
	}
	return 0;
}

int phone_watch(const struct topology *topology, unsigned seconds, int out, struct report *report)
{
	static struct wire_count before[PHONE_MAX][2][WIRE_COUNTER_MAX], now[PHONE_MAX][2][WIRE_COUNTER_MAX];
	int error = read_all(topology, before, report);

	for (unsigned tick = 1; error == 0 && (seconds == 0 || tick <= seconds); tick++) {
		poll(NULL, 0, 1000);
		error = read_all(topology, now, report);
		if (error)
			break;
		format_print(out, "watch: second %u\n", tick);
		for (size_t index = 0; index < topology->count * 2; index++)
			print_delta(out, topology->phones[index / 2].ends[index % 2].host_device, now[index / 2][index % 2],
				    before[index / 2][index % 2]);
		memcpy(before, now, sizeof(now));
	}
	return error;
}
