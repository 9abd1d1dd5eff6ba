/* watch.c — the wire as it runs, without bpf_printk: once a second, what
 * each wire instance counted since the second before, read from its
 * counters map (the same numbers `yogurt status` shows in total). */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <net/if.h>

#include "phone.h"
#include "../bpf/bpf.h"
#include "../format/format.h"

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

int phone_watch(const struct topology *topology, unsigned seconds, int out, struct report *report)
{
	struct wire_count before[PHONE_MAX][2][WIRE_COUNTER_MAX], now[WIRE_COUNTER_MAX];
	struct timespec second = { .tv_sec = 1 };

	for (size_t index = 0; index < topology->count; index++)
		for (int side = 0; side < 2; side++) {
			const char *device = topology->phones[index].ends[side].host_device;
			unsigned int ifindex = if_nametoindex(device);
			int error = ifindex ? wire_read_counters(ifindex, before[index][side]) : -ENODEV;

			if (error < 0)
				return report_error(report, error, "no wire to watch on %s: %s (is the phone up?)", device,
						    error == -ENOENT ? "no program attached" : error_text(-error));
		}
	for (unsigned tick = 1; seconds == 0 || tick <= seconds; tick++) {
		nanosleep(&second, NULL);
		format_print(out, "watch: second %u\n", tick);
		for (size_t index = 0; index < topology->count; index++)
			for (int side = 0; side < 2; side++) {
				const char *device = topology->phones[index].ends[side].host_device;
				unsigned int ifindex = if_nametoindex(device);

				if (ifindex == 0 || wire_read_counters(ifindex, now) < 0)
					return report_error(report, -ENOENT, "the wire on %s is gone", device);
				print_delta(out, device, now, before[index][side]);
				memcpy(before[index][side], now, sizeof(now));
			}
	}
	return 0;
}
