/* DMAR parser (VT-d spec chapter 8).  Pure C; same bounds discipline as acpi_parse.c. */
#include "arch/x86/acpi.h"
#include "arch/x86/dmar.h"
#include "lib/compiler.h"

#define dmar_err(o, ...)                                                                           \
	acpi_errf((o)->errors, &(o)->nr_errors, DMAR_MAX_ERRORS, &(o)->errors_dropped, __VA_ARGS__)

static_assert(sizeof(((struct dmar_info *)0)->errors[0]) == ACPI_ERROR_LEN, "shared formatter");

/* Smallest valid length of each structure type (8.3 - 8.9), 4 for unknown future types. */
static u16 dmar_min_len(u16 type)
{
	switch (type) {
	case DMAR_TYPE_DRHD:
		return 16;
	case DMAR_TYPE_RMRR:
		return 24;
	case DMAR_TYPE_RHSA:
		return 20;
	case DMAR_TYPE_ATSR:
	case DMAR_TYPE_ANDD:
	case DMAR_TYPE_SATC:
	case DMAR_TYPE_SIDP:
		return 8;
	default:
		return 4;
	}
}

static void dmar_scope(struct dmar_unit *u, const u8 *s, u8 slen)
{
	struct dmar_scope *sc = &u->scopes[u->nr_scopes++];
	u8 hops = (slen - DMAR_SCOPE_PATH) / 2;
	const u8 *last = s + slen - 2;

	sc->type = s[0];
	sc->enum_id = s[DMAR_SCOPE_OFF_ENUM_ID];
	sc->bus = s[DMAR_SCOPE_OFF_BUS];
	sc->dev = last[0];
	sc->fn = last[1];
	sc->path_len = hops;
	for (u8 i = 0; i < hops && i < DMAR_MAX_PATH; i++) {
		sc->path[i][0] = s[DMAR_SCOPE_PATH + 2 * i];
		sc->path[i][1] = s[DMAR_SCOPE_PATH + 2 * i + 1];
	}
	/* PCI requester id: bus[15:8] device[7:3] function[2:0] (VT-d 3.4.1 / 9.x SID fields) */
	if (hops == 1)
		sc->sid = (u16)(sc->bus << 8 | (sc->dev & 0x1f) << 3 | (sc->fn & 0x7));
}

/* 8.3: the unit, then device scopes up to the end of the DRHD (8.3.1). */
static void dmar_drhd(struct dmar_info *o, const u8 *d, u16 dlen, u32 at)
{
	struct dmar_unit *u;
	u32 off;

	if (o->nr_units >= DMAR_MAX_UNITS) {
		dmar_err(o, "DMAR: more than %u DRHD units, unit at 0x%lx ignored", DMAR_MAX_UNITS,
			 acpi_ld64(d + DRHD_OFF_BASE));
		return;
	}
	u = &o->units[o->nr_units++];
	u->flags = d[DRHD_OFF_FLAGS];
	u->segment = acpi_ld16(d + DRHD_OFF_SEGMENT);
	u->base = acpi_ld64(d + DRHD_OFF_BASE);
	for (off = DRHD_SCOPES; off < dlen;) {
		u8 slen;

		if (dlen - off < 2) {
			dmar_err(o, "DRHD at +%u: stray byte at its offset %u", at, off);
			return;
		}
		slen = d[off + 1];
		if (slen < DMAR_SCOPE_PATH + 2 || (slen - DMAR_SCOPE_PATH) % 2) {
			dmar_err(o, "DRHD at +%u: device scope at +%u has bad length %u, stopping",
				 at, off, slen);
			return;
		}
		if (slen > dlen - off) {
			dmar_err(o,
				 "DRHD at +%u: device scope at +%u (length %u) runs past the DRHD "
				 "(length %u)",
				 at, off, slen, dlen);
			return;
		}
		if (u->nr_scopes >= DMAR_MAX_SCOPES) {
			dmar_err(o, "DRHD 0x%lx: more than %u device scopes, rest ignored", u->base,
				 DMAR_MAX_SCOPES);
			return;
		}
		dmar_scope(u, d + off, slen);
		off += slen;
	}
}

int dmar_parse(const void *table, u32 len, struct dmar_info *out)
{
	const u8 *t = table;
	u32 l, off;

	for (size_t i = 0; i < sizeof(*out); i++)
		((u8 *)out)[i] = 0;
	if (!t || len < DMAR_HDR_LEN) {
		dmar_err(out, "DMAR: %u bytes given, need at least %u", t ? len : 0, DMAR_HDR_LEN);
		return -1;
	}
	if (t[0] != 'D' || t[1] != 'M' || t[2] != 'A' || t[3] != 'R') {
		dmar_err(out, "DMAR: wrong signature");
		return -1;
	}
	l = acpi_ld32(t + ACPI_HDR_OFF_LENGTH);
	if (l < DMAR_HDR_LEN || l > len) {
		dmar_err(out, "DMAR: length field %u outside [%u, %u]", l, DMAR_HDR_LEN, len);
		return -1;
	}
	if (acpi_checksum(t, l)) {
		dmar_err(out, "DMAR: checksum bad");
		return -1;
	}
	out->haw = t[DMAR_OFF_HAW] + 1;
	out->flags = t[DMAR_OFF_FLAGS];
	for (off = DMAR_HDR_LEN; off < l;) {
		u16 type, slen, need;

		if (l - off < 4) {
			dmar_err(out, "DMAR: %u stray bytes at offset %u", l - off, off);
			break;
		}
		type = acpi_ld16(t + off);
		slen = acpi_ld16(t + off + 2);
		need = dmar_min_len(type);
		if (slen < need) {
			dmar_err(out, "DMAR structure type %u at +%u: length %u < %u, stopping",
				 type, off, slen, need);
			break;
		}
		if (slen > l - off) {
			dmar_err(out,
				 "DMAR structure type %u at +%u: length %u runs past table end %u, "
				 "stopping",
				 type, off, slen, l);
			break;
		}
		if (type == DMAR_TYPE_DRHD)
			dmar_drhd(out, t + off, slen, off);
		else if (type == DMAR_TYPE_RMRR)
			out->nr_rmrr++;
		else if (type == DMAR_TYPE_ATSR)
			out->nr_atsr++;
		else
			out->nr_other++;
		off += slen;
	}
	return 0;
}
