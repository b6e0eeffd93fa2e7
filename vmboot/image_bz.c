/* A bzImage as an image plan (vmboot/image.h): its protected-mode kernel is the one segment. */
#include "lib/fmt.h"
#include "vmboot/bzimage.h"
#include "vmboot/image.h"

int image_bz_plan(const u8 *img, u64 size, u64 mem_size, struct image_plan *p, char *err)
{
	struct bz_plan *bz = &p->bz;

	if (bz_plan(img, size, mem_size, bz, err) < 0)
		return -1;
	p->format = IMAGE_LINUX;
	p->how = "boot protocol, 32-bit entry";
	p->entry = BZ_LOAD;
	if (image_add_seg(p, bz->kernel_off, bz->kernel_size, BZ_LOAD, bz->kernel_size, mem_size,
			  err) < 0)
		return -1;
	/* What the decompressing kernel may use: nothing else goes below this. */
	p->hi = (bz->pref_address > BZ_LOAD ? bz->pref_address : BZ_LOAD) + bz->init_size;
	return image_check_entry(p, err);
}
