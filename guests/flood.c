/*
 * flood: floods the console.  Until HOSTILE_PARAM_TICKS ticks have passed it writes 4096 bytes
 * per HC_CONSOLE_WRITE, the most one call takes: 64 lines "FLOOD <n> xxx...x END" of 64 bytes,
 * numbered.  It counts its writes and the bytes the host accepted; the host test checks that the
 * lines that reached the log are whole, prefixed and in order, and that the rest was dropped
 * with a note.
 */
#include "guests/lib.h"
#include "guests/hostile.h"

#define LINE	   64
#define LINES	   (4096 / LINE)
#define SEQ_DIGITS 6

static char buf[LINES * LINE];

/* "FLOOD nnnnnn xxx...x END\n": the sequence number at offset 6. */
static void line(char *p, u32 seq)
{
	static const char head[] = "FLOOD ";
	u32 i = 0;

	for (; head[i]; i++)
		p[i] = head[i];
	for (int d = SEQ_DIGITS - 1; d >= 0; d--, seq /= 10)
		p[i + d] = (char)('0' + seq % 10);
	i += SEQ_DIGITS;
	p[i++] = ' ';
	while (i < LINE - 5)
		p[i++] = 'x';
	p[i++] = ' ';
	p[i++] = 'E';
	p[i++] = 'N';
	p[i++] = 'D';
	p[i] = '\n';
}

u64 guest_main(u64 index, u64 count)
{
	u64 ticks = (u64)hc3(HC_TEST, HOSTILE_OP_PARAM, HOSTILE_PARAM_TICKS, 0);
	u64 start = g_rdtsc(), writes = 0, accepted = 0;
	u32 seq = 0;

	while (g_rdtsc() - start < ticks) {
		for (u32 l = 0; l < LINES; l++)
			line(buf + l * LINE, seq++);
		long r = hc3(HC_CONSOLE_WRITE, (u64)buf, sizeof(buf), 0);
		writes++;
		if (r > 0)
			accepted += (u64)r;
	}
	g_stat(ATTACK_STAT_TRIED, writes);
	g_stat(ATTACK_STAT_A, accepted);
	g_stat(ATTACK_STAT_B, seq);
	return 0;
}
