#include "guests/images.h"
#include "lib/string.h"

extern const struct guest_image guest_image_table[];

const struct guest_image *guest_image_find(const char *name)
{
	for (const struct guest_image *g = guest_image_table; g->name; g++)
		if (!strcmp(g->name, name))
			return g;
	return NULL;
}
