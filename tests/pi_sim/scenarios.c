/*
 * Scenarios, one per known bug of docs/pi.md that the protocol layer can show (names start with the
 * bug number), plus a few plain paths for the write counts.  Threads 0..ncpus-1 are pCPUs, thread
 * ncpus the IOMMU.  vCPUs: A=0, B=1.  Every vector is posted once, so delivery counts are exact.
 * Scripts must finish under EVERY interleaving of correct code: a pCPU only waits for a vCPU
 * that some schedule-independent event (a post, a preemption, a kick) makes runnable.
 */
#include "tests/pi_sim/sim.h"

#define A 0
#define B 1
/* One action per line: clang-format would spread each of these brace macros over four. */
/* clang-format off */
#define LOAD(v) { A_LOAD, v, 0 }
#define HALT(v) { A_HALT, v, 1 }
#define HALT_CLI(v) { A_HALT, v, 0 }
#define HALT_PREEMPT(v) { A_HALT_PREEMPT, v, 1 }
#define PREEMPT(v) { A_PREEMPT, v, 0 }
#define POST(v, vec) { A_POST, v, vec }
#define HWPOST(v, vec) { A_HWPOST, v, vec }
#define ENABLE(v) { A_ENABLE, v, 0 }
#define DISABLE(v) { A_DISABLE, v, 0 }
#define OFFLINE { A_OFFLINE, 0, 0 }
#define ADOPT(c) { A_ADOPT, c, 0 }
#define SET(f) { A_SET, f, 0 }
#define WAIT(f) { A_WAIT, f, 0 }
#define EXPECT_PENDING(v) { A_EXPECT_PENDING, v, 0 }
#define END { A_END, 0, 0 }
#define S(...) ((const struct sim_action[]){ __VA_ARGS__, END })
/* clang-format on */

const struct sim_scenario sim_scenarios[] = {
	{
		.name = "bug01_post_while_preempted",
		.bug = "1",
		.what = "posts while SN=1 set only PIR; the load that clears SN must set ON",
		.ncpus = 1,
		.nvcpus = 1,
		.posting_mask = 1,
		.script =
			{
				S(LOAD(A), PREEMPT(A), SET(0), WAIT(1), LOAD(A)),
				S(WAIT(0), HWPOST(A, 0x40), SET(1), HWPOST(A, 0x41)),
			},
	},
	{
		.name = "bug02_pending_is_pir",
		.bug = "2",
		.what = "preempted vCPU with SN=1, ON=0, PIR!=0 has a pending interrupt; migrate",
		.ncpus = 2,
		.nvcpus = 1,
		.posting_mask = 1,
		.script =
			{
				S(LOAD(A), PREEMPT(A), SET(0)),
				S(WAIT(1), EXPECT_PENDING(A), LOAD(A)),
				S(WAIT(0), HWPOST(A, 0x40), SET(1)),
			},
	},
	{
		.name = "bug03_blocked_then_migrated",
		.bug = "3",
		.what = "blocked on cpu0, woken, loaded and blocked on cpu1; posts anywhere",
		.ncpus = 2,
		.nvcpus = 1,
		.posting_mask = 1,
		.script =
			{
				S(LOAD(A), HALT(A), PREEMPT(A), SET(0)),
				S(WAIT(0), LOAD(A), SET(1), HALT(A), PREEMPT(A), LOAD(A)),
				S(HWPOST(A, 0x40), WAIT(0), HWPOST(A, 0x41), WAIT(1),
				  HWPOST(A, 0x42)),
			},
	},
	{
		.name = "bug03_blocking_preempted_migrated",
		.bug = "3",
		.what = "preempted while blocking (C'), loaded on another pCPU, blocks there",
		.ncpus = 2,
		.nvcpus = 1,
		.posting_mask = 1,
		.script =
			{
				S(LOAD(A), HALT_PREEMPT(A), SET(0)),
				S(WAIT(0), LOAD(A), HALT(A), PREEMPT(A), LOAD(A)),
				S(HWPOST(A, 0x40), WAIT(0), HWPOST(A, 0x41)),
			},
	},
	{
		.name = "bug04_detach_while_blocked",
		.bug = "4",
		.what = "posting disabled while blocked on a list; reload elsewhere, block again",
		.ncpus = 2,
		.nvcpus = 1,
		.posting_mask = 1,
		.script =
			{
				S(LOAD(A), HALT(A), PREEMPT(A), SET(0)),
				S(WAIT(1), DISABLE(A), LOAD(A), HALT(A), PREEMPT(A)),
				S(WAIT(0), HWPOST(A, 0x40), SET(1)),
			},
	},
	{
		.name = "bug05_enable_while_halted",
		.bug = "5",
		.what = "vCPU halts before posting is enabled for it; a device then posts",
		.ncpus = 2,
		.nvcpus = 1,
		.posting_mask = 0,
		.script =
			{
				S(LOAD(A), HALT(A), PREEMPT(A), LOAD(A)),
				S(ENABLE(A), SET(0)),
				S(WAIT(0), HWPOST(A, 0x40)),
			},
	},
	{
		.name = "bug06_cli_hlt_not_woken",
		.bug = "6",
		.what = "posts to a vCPU halted with IF=0 must not wake it",
		.ncpus = 1,
		.nvcpus = 1,
		.posting_mask = 1,
		.script =
			{
				S(LOAD(A), HALT_CLI(A)),
				S(HWPOST(A, 0x40), HWPOST(A, 0x41)),
			},
	},
	{
		.name = "bug07_post_in_block_window",
		.bug = "7",
		.what = "a post anywhere around HLT, incl. after the last check: must wake",
		.ncpus = 1,
		.nvcpus = 1,
		.posting_mask = 1,
		.script =
			{
				S(LOAD(A), HALT(A), PREEMPT(A), LOAD(A)),
				S(HWPOST(A, 0x40)),
			},
	},
	{
		.name = "bug07_vipi_armed",
		.bug = "7",
		.what = "vIPI from another pCPU around the target's HLT (wakeup vector armed)",
		.ncpus = 2,
		.nvcpus = 2,
		.posting_mask = 3,
		.script =
			{
				S(LOAD(A), HALT(A), PREEMPT(A), LOAD(A)),
				S(LOAD(B), POST(A, 0x40)),
			},
	},
	{
		.name = "put_blocking_and_preempted",
		.bug = "7,11",
		.what = "preempted between marking itself blocking and switching out",
		.ncpus = 1,
		.nvcpus = 1,
		.posting_mask = 1,
		.script =
			{
				S(LOAD(A), HALT_PREEMPT(A), LOAD(A), HALT(A), PREEMPT(A), LOAD(A)),
				S(HWPOST(A, 0x40)),
			},
	},
	{
		.name = "bug10_unlist_vs_put",
		.bug = "10",
		.what = "cpu1 loads A off cpu0's list while cpu0 puts B on it",
		.ncpus = 2,
		.nvcpus = 2,
		.posting_mask = 3,
		.script =
			{
				S(LOAD(A), HALT(A), PREEMPT(A), SET(0), LOAD(B), HALT(B)),
				S(WAIT(0), LOAD(A)),
				S(HWPOST(A, 0x40), HWPOST(B, 0x41)),
			},
	},
	{
		.name = "bug11_preempted_has_sn",
		.bug = "11",
		.what = "vIPI to a preempted vCPU while another vCPU runs on its pCPU",
		.ncpus = 2,
		.nvcpus = 2,
		.posting_mask = 3,
		.script =
			{
				S(LOAD(A), PREEMPT(A), LOAD(B), SET(0)),
				S(WAIT(0), POST(A, 0x40), POST(B, 0x41), LOAD(A)),
			},
	},
	{
		.name = "bug14_offline_with_blocked",
		.bug = "14",
		.what = "cpu1 goes offline with A blocked on its list; cpu0 adopts the list",
		.ncpus = 2,
		.nvcpus = 1,
		.vcpu_home = {1},
		.posting_mask = 1,
		.script =
			{
				S(ADOPT(1), LOAD(A)),
				S(LOAD(A), HALT(A), PREEMPT(A), OFFLINE),
				S(HWPOST(A, 0x40)),
			},
	},
	{
		.name = "bug14_offline_vs_load",
		.bug = "14,10",
		.what = "A blocks on cpu1, cpu1 vIPIs it, dies; cpu0 adopts the list, cpu2 loads A",
		.ncpus = 3,
		.nvcpus = 1,
		.vcpu_home = {1},
		.posting_mask = 1,
		.script =
			{
				S(ADOPT(1)),
				S(LOAD(A), HALT(A), POST(A, 0x40), SET(0), OFFLINE),
				S(WAIT(0), LOAD(A)),
			},
	},
	{
		.name = "bug15_disable_while_preempted",
		.bug = "15",
		.what = "posting disabled while SN=1; later vIPIs must still notify",
		.ncpus = 2,
		.nvcpus = 1,
		.posting_mask = 1,
		.script =
			{
				S(LOAD(A), PREEMPT(A), DISABLE(A), LOAD(A), SET(0)),
				S(WAIT(0), POST(A, 0x40), POST(A, 0x41)),
			},
	},
	{
		.name = "bug16_back_to_back_posts",
		.bug = "16",
		.what = "two vIPIs in a row to a running vCPU: both arrive",
		.ncpus = 2,
		.nvcpus = 1,
		.posting_mask = 1,
		.script =
			{
				S(LOAD(A)),
				S(POST(A, 0x40), POST(A, 0x41)),
			},
	},
	{
		.name = "bug19_post_at_entry",
		.bug = "19",
		.what = "posts around the PIR sync before VM entry",
		.ncpus = 1,
		.nvcpus = 1,
		.posting_mask = 1,
		.script =
			{
				S(LOAD(A), PREEMPT(A), LOAD(A)),
				S(HWPOST(A, 0x40), HWPOST(A, 0x41)),
			},
	},
	{
		.name = "vipi_wake_unarmed",
		.bug = "5,7",
		.what = "vIPI wakes a vCPU that blocked without posting (kick path)",
		.ncpus = 2,
		.nvcpus = 2,
		.posting_mask = 0,
		.script =
			{
				S(LOAD(A), HALT(A), PREEMPT(A), LOAD(A)),
				S(LOAD(B), POST(A, 0x40)),
			},
	},
	{
		.name = "detach_vs_post_at_halt",
		.bug = "-",
		.what = "vIPI that saw posting on races a detach while the target halts",
		.ncpus = 3,
		.nvcpus = 1,
		.posting_mask = 1,
		.script =
			{
				S(LOAD(A), HALT(A), LOAD(A)),
				S(POST(A, 0x40)),
				S(DISABLE(A)),
			},
	},
};

const int sim_nscenarios = ARRAY_SIZE(sim_scenarios);
