/* Fake physical memory for parser tests (see fakemem.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/host/fakemem.h"

void fakemem_init(struct fakemem *m)
{
	memset(m, 0, sizeof(*m));
}

u8 *fakemem_add(struct fakemem *m, u64 pa, u64 len)
{
	if (m->nr == FAKEMEM_REGIONS)
		abort();
	m->r[m->nr].pa = pa;
	m->r[m->nr].len = len;
	m->r[m->nr].buf = calloc(1, len);
	return m->r[m->nr++].buf;
}

u8 *fakemem_ptr(struct fakemem *m, u64 pa)
{
	for (int i = 0; i < m->nr; i++)
		if (pa >= m->r[i].pa && pa - m->r[i].pa < m->r[i].len)
			return m->r[i].buf + (pa - m->r[i].pa);
	return NULL;
}

const void *fakemem_map(u64 pa, u64 len, void *ctx)
{
	struct fakemem *m = ctx;
	void *copy;

	m->nr_maps++;
	if (!len || len > (64u << 20))
		return NULL;
	for (int i = 0; i < m->nr; i++) {
		if (pa < m->r[i].pa || pa - m->r[i].pa > m->r[i].len ||
		    len > m->r[i].len - (pa - m->r[i].pa))
			continue;
		copy = malloc(len);
		memcpy(copy, m->r[i].buf + (pa - m->r[i].pa), len);
		if (m->nr_copies == m->cap_copies) {
			m->cap_copies = m->cap_copies ? 2 * m->cap_copies : 64;
			m->copies = realloc(m->copies, m->cap_copies * sizeof(void *));
		}
		m->copies[m->nr_copies++] = copy;
		return copy;
	}
	return NULL;
}

void fakemem_free(struct fakemem *m)
{
	for (unsigned int i = 0; i < m->nr_copies; i++)
		free(m->copies[i]);
	free(m->copies);
	for (int i = 0; i < m->nr; i++)
		free(m->r[i].buf);
	memset(m, 0, sizeof(*m));
}
