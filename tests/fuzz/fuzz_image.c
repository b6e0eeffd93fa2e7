/*
 * Guest images (vmboot/image.h) and the boot information built for them (vmboot/mb_info.h):
 * byte 0 picks the format pihv is asked for (auto, flat, mb1, mb2), bytes 1-2 the guest's RAM
 * in 64 KiB units, byte 3 the number of boot modules (0-2, cut from the image's own bytes); the
 * rest is the image.  An accepted image must be what image.h promises: every segment inside
 * the file and inside guest RAM, no overlap, the entry inside a segment and below 4 GiB.  Its
 * modules and boot information are then laid out and written into a guest memory of exactly
 * that size (ASan checks every byte written stays inside).
 */
#include FUZZ_IMAGE_H
#include FUZZ_MB_INFO_H
#include "tests/fuzz/fuzz.h"

#define HDR_BYTES 4

static void check_plan(const struct image_plan *p, u64 size, u64 mem)
{
	FUZZ_CHECK(p->nr_segs >= 1 && p->nr_segs <= IMAGE_MAX_SEGS, "%u segments", p->nr_segs);
	for (u32 i = 0; i < p->nr_segs; i++) {
		const struct image_seg *s = &p->segs[i];

		FUZZ_CHECK(s->file_off <= size && s->file_size <= size - s->file_off,
			   "segment %u: file 0x%lx+0x%lx of %lu bytes", i, s->file_off,
			   s->file_size, size);
		FUZZ_CHECK(s->mem_size && s->file_size <= s->mem_size && s->gpa < mem &&
				   s->mem_size <= mem - s->gpa,
			   "segment %u: 0x%lx+0x%lx in RAM 0x%lx", i, s->gpa, s->mem_size, mem);
		FUZZ_CHECK(s->gpa >= p->lo && s->gpa + s->mem_size <= p->hi,
			   "segment %u outside lo/hi", i);
		for (u32 j = 0; j < i; j++)
			FUZZ_CHECK(s->gpa >= p->segs[j].gpa + p->segs[j].mem_size ||
					   p->segs[j].gpa >= s->gpa + s->mem_size,
				   "segments %u and %u overlap", j, i);
	}
	if (p->format != IMAGE_FLAT)
		FUZZ_CHECK(p->entry < IMAGE_ENTRY_LIMIT, "entry 0x%lx", p->entry);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static const enum image_format want[] = {IMAGE_AUTO, IMAGE_FLAT, IMAGE_MB1, IMAGE_MB2};
	struct image_plan p;
	struct mb_boot b;
	char err[IMAGE_ERR_LEN];
	u64 mem, isize;
	u8 *img, *gmem;

	if (size < HDR_BYTES)
		return 0;
	mem = ((u64)(data[1] | data[2] << 8) % 512 + 1) << 16; /* 64 KiB - 32 MiB */
	isize = size - HDR_BYTES;
	img = fuzz_copy(data + HDR_BYTES, isize);
	if (image_plan(img, isize, mem, 0x10000, want[data[0] & 3], &p, err) < 0) {
		FUZZ_CHECK(fuzz_terminated(err, IMAGE_ERR_LEN) && err[0],
			   "refusal without a reason");
		free(img);
		return 0;
	}
	check_plan(&p, isize, mem);
	if (p.format != IMAGE_FLAT) {
		memset(&b, 0, sizeof(b));
		b.format = p.format;
		b.mem_size = mem;
		b.cmdline = "fuzz a=1";
		b.nr_mods = data[3] % 3;
		for (u32 i = 0; i < b.nr_mods; i++)
			b.mods[i] = (struct mb_mod){img, isize / (i + 1), i ? "" : "m0", 0};
		if (mb_layout(&b, p.hi, err) == 0) {
			FUZZ_CHECK(b.info_gpa >= p.hi && b.info_gpa + b.info_size <= mem,
				   "info 0x%lx+0x%lx, image end 0x%lx, RAM 0x%lx", b.info_gpa,
				   b.info_size, p.hi, mem);
			gmem = calloc(1, mem);
			mb_info_write(gmem, &b);
			free(gmem);
		}
	}
	free(img);
	return 0;
}
