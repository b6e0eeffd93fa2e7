/* Guest images linked into the kernel (guests/images.S) for tests; found by name. */
#ifndef GUESTS_IMAGES_H
#define GUESTS_IMAGES_H

#include "lib/types.h"

struct guest_image {
	const char *name;
	const u8 *start, *end;
};

/* @post the image called name, or NULL. */
const struct guest_image *guest_image_find(const char *name);

#endif
