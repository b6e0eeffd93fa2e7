/* vm/halt_poll.h: the adaptive halt-poll window. */
#include "tests/host/test.h"
#include "vm/halt_poll.h"

TEST(halt_poll_shrinks_to_zero_on_long_blocks)
{
	u64 w = 1600;
	u32 n = 0;

	/* every block longer than the ceiling halves the window: 1600 -> 0 in 11 steps */
	while (w && n < 64) {
		w = halt_poll_next(w, 1600, 1601);
		n++;
	}
	EXPECT_EQ(w, 0);
	EXPECT_EQ(n, 11);
	EXPECT_EQ(halt_poll_next(0, 1600, 5000), 0);
}

TEST(halt_poll_regrows_from_zero_and_caps)
{
	/* a short block after polling stopped starts again at max / 16, then doubles up to max */
	EXPECT_EQ(halt_poll_next(0, 1600, 10), 100);
	EXPECT_EQ(halt_poll_next(100, 1600, 10), 200);
	EXPECT_EQ(halt_poll_next(800, 1600, 1600), 1600); /* blocked_for == max still counts */
	EXPECT_EQ(halt_poll_next(1600, 1600, 1), 1600);
	EXPECT_EQ(halt_poll_next(1000, 1600, 1), 1600);
}

TEST(halt_poll_off_leaves_the_window)
{
	EXPECT_EQ(halt_poll_next(0, 0, 10), 0);
	EXPECT_EQ(halt_poll_next(123, 0, 1u << 30), 123);
}
