/*
 * ACPI table parsers (ACPI 6.5 chapter 5.2).  Pure C: the same file runs in the kernel and in
 * the host unit tests.  All memory is reached through the caller's acpi_map_fn (see acpi.h).
 */
#include <stdarg.h>

#include "arch/x86/acpi.h"
#include "arch/x86/acpi_walk.h"
#include "lib/fmt.h"
#include "lib/compiler.h"

void acpi_errf(char (*errs)[ACPI_ERROR_LEN], u32 *nr, u32 max, u32 *dropped, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_err_vadd(&errs[0][0], ACPI_ERROR_LEN, nr, max, dropped, fmt, ap);
	va_end(ap);
}

u8 acpi_checksum(const void *p, u32 len)
{
	const u8 *b = p;
	u8 sum = 0;

	while (len--)
		sum += *b++;
	return sum;
}

const void *acpi_map_identity(u64 paddr, u64 len, void *ctx)
{
	(void)ctx;
	if (!paddr || len > (1ull << 32) || paddr > (1ull << 32) - len)
		return NULL;
	return (const void *)(uintptr_t)paddr;
}

static bool sig_is(const u8 *p, const char *sig)
{
	for (; *sig; sig++, p++)
		if (*p != (u8)*sig)
			return false;
	return true;
}

/* A table signature as a printable string, for messages and acpi_info.tables. */
static void sig_copy(char dst[5], const u8 *p)
{
	for (int i = 0; i < 4; i++)
		dst[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	dst[4] = 0;
}

/*
 * Map the table at pa and validate its header (5.2.6): readable, 36 <= length <= 1 MiB, bytes
 * sum to zero, and the signature if want is given.  Returns the whole table or NULL (reported).
 */
static const u8 *acpi_table(struct acpi_walk *w, u64 pa, const char *want, u32 *len, char sig[5])
{
	const u8 *t = w->map(pa, ACPI_HDR_LEN, w->ctx);
	u32 l;
	u8 sum;

	if (!t) {
		acpi_err(w, "table at 0x%lx: header not readable, skipped", pa);
		return NULL;
	}
	sig_copy(sig, t);
	if (want && !sig_is(t, want)) {
		acpi_err(w, "table at 0x%lx: signature '%s', expected '%s'", pa, sig, want);
		return NULL;
	}
	l = acpi_ld32(t + ACPI_HDR_OFF_LENGTH);
	if (l < ACPI_HDR_LEN) {
		acpi_err(w, "%s at 0x%lx: length %u smaller than its 36-byte header, skipped", sig,
			 pa, l);
		return NULL;
	}
	if (l > ACPI_MAX_TABLE_LEN) {
		acpi_err(w, "%s at 0x%lx: length 0x%x implausible (> 1 MiB), skipped", sig, pa, l);
		return NULL;
	}
	t = w->map(pa, l, w->ctx);
	if (!t) {
		acpi_err(w, "%s at 0x%lx: %u bytes not readable, skipped", sig, pa, l);
		return NULL;
	}
	sum = acpi_checksum(t, l);
	if (sum) {
		acpi_err(w, "%s at 0x%lx: checksum bad (sum 0x%x), skipped", sig, pa, sum);
		return NULL;
	}
	*len = l;
	return t;
}

/* 5.2.3.2 GAS at t + off, or all-zero if it lies beyond the table (older FADT revisions). */
static struct acpi_gas acpi_gas_at(const u8 *t, u32 len, u32 off)
{
	struct acpi_gas g = {0};

	if (off + ACPI_GAS_LEN <= len) {
		g.space_id = t[off];
		g.bit_width = t[off + 1];
		g.bit_offset = t[off + 2];
		g.access_size = t[off + 3];
		g.addr = acpi_ld64(t + off + 4);
	}
	return g;
}

static u32 fadt32(const u8 *t, u32 len, u32 off)
{
	return off + 4 <= len ? acpi_ld32(t + off) : 0;
}

/* A 32-bit port block, overridden by its 64-bit X_ GAS when that is present and in I/O space. */
static u32 fadt_port(const u8 *t, u32 len, u32 off, u32 xoff)
{
	struct acpi_gas g = acpi_gas_at(t, len, xoff);

	if (g.addr && g.space_id == ACPI_GAS_IO && g.addr <= 0xffff)
		return (u32)g.addr;
	return fadt32(t, len, off);
}

/* 5.2.9 FADT.  Revision 1 tables are 116 bytes; later ones add the X_ fields. */
static void fadt_parse(struct acpi_walk *w, const u8 *t, u32 len)
{
	struct acpi_info *o = w->out;

	o->has_fadt = true;
	if (len < FADT_OFF_RESET_REG)
		acpi_err(w,
			 "FACP: length %u shorter than an ACPI 1.0 FADT (116), missing "
			 "fields read as 0",
			 len);
	o->sci_irq = len >= FADT_OFF_SCI_INT + 2 ? acpi_ld16(t + FADT_OFF_SCI_INT) : 0;
	o->pm1a_evt = fadt32(t, len, FADT_OFF_PM1A_EVT);
	o->pm1a_cnt = fadt_port(t, len, FADT_OFF_PM1A_CNT, FADT_OFF_X_PM1A_CNT);
	o->pm1b_cnt = fadt_port(t, len, FADT_OFF_PM1B_CNT, FADT_OFF_X_PM1B_CNT);
	o->pm_tmr = fadt_port(t, len, FADT_OFF_PM_TMR, FADT_OFF_X_PM_TMR);
	o->fadt_flags = fadt32(t, len, FADT_OFF_FLAGS);
	o->pm_tmr_32bit = o->fadt_flags & FADT_FLAG_TMR_VAL_EXT;
	o->iapc_boot_arch =
		len >= FADT_OFF_IAPC_BOOT_ARCH + 2 ? acpi_ld16(t + FADT_OFF_IAPC_BOOT_ARCH) : 0;
	if (len > FADT_OFF_RESET_VALUE && (o->fadt_flags & FADT_FLAG_RESET_REG_SUP)) {
		o->reset_supported = true;
		o->reset_reg = acpi_gas_at(t, len, FADT_OFF_RESET_REG);
		o->reset_value = t[FADT_OFF_RESET_VALUE];
	}
}

/* IA-PC HPET spec 1.0a, 3.2.4: the event timer block's base address is a GAS at offset 40. */
static void hpet_parse(struct acpi_walk *w, const u8 *t, u32 len)
{
	struct acpi_gas g;

	if (len < HPET_TABLE_LEN) {
		acpi_err(w, "HPET: length %u < %u, ignored", len, HPET_TABLE_LEN);
		return;
	}
	g = acpi_gas_at(t, len, HPET_OFF_BASE);
	if (g.space_id != ACPI_GAS_MEMORY || !g.addr) {
		acpi_err(w, "HPET: base address space %u addr 0x%lx unusable", g.space_id, g.addr);
		return;
	}
	w->out->hpet_addr = g.addr;
}

static void acpi_table_found(struct acpi_walk *w, u64 pa, const u8 *t, u32 len, const char *sig)
{
	struct acpi_info *o = w->out;

	if (o->nr_tables < ACPI_MAX_TABLES) {
		for (int i = 0; i < 5; i++)
			o->tables[o->nr_tables].sig[i] = sig[i];
		o->tables[o->nr_tables].addr = pa;
		o->tables[o->nr_tables].len = len;
		o->nr_tables++;
	} else if (o->nr_tables++ == ACPI_MAX_TABLES) {
		acpi_err(w, "more than %u ACPI tables, the rest are not listed", ACPI_MAX_TABLES);
	}

	if (sig_is(t, "APIC")) {
		if (o->madt_addr) {
			acpi_err(w, "second MADT at 0x%lx ignored", pa);
			return;
		}
		o->madt_addr = pa;
		acpi_madt_parse(w, t, len);
	} else if (sig_is(t, "FACP")) {
		if (o->fadt_addr) {
			acpi_err(w, "second FADT at 0x%lx ignored", pa);
			return;
		}
		o->fadt_addr = pa;
		fadt_parse(w, t, len);
	} else if (sig_is(t, "HPET")) {
		if (!o->hpet_addr)
			hpet_parse(w, t, len);
	} else if (sig_is(t, "DMAR")) {
		/* VT-d 3.4 8.1: 48 bytes before the first remapping structure */
		if (len < 48)
			acpi_err(w, "DMAR at 0x%lx: length %u < 48, ignored", pa, len);
		else if (!o->dmar_addr) {
			o->dmar_addr = pa;
			o->dmar_len = len;
		}
	}
}

/* 5.2.7 RSDT (u32 entries) / 5.2.8 XSDT (u64 entries). */
static void acpi_root_walk(struct acpi_walk *w, const u8 *root, u32 len, u32 esize, const char *sig)
{
	u32 n = (len - ACPI_HDR_LEN) / esize;

	if ((len - ACPI_HDR_LEN) % esize)
		acpi_err(w, "%s: length %u is not 36 + n*%u, trailing bytes ignored", sig, len,
			 esize);
	if (n > ACPI_MAX_ROOT_ENTRIES) {
		acpi_err(w, "%s: %u entries, only the first %u used", sig, n,
			 ACPI_MAX_ROOT_ENTRIES);
		n = ACPI_MAX_ROOT_ENTRIES;
	}
	for (u32 i = 0; i < n; i++) {
		const u8 *e = root + ACPI_HDR_LEN + i * esize;
		u64 pa = esize == 8 ? acpi_ld64(e) : acpi_ld32(e);
		const u8 *t;
		char tsig[5];
		u32 tlen;

		if (!pa) {
			acpi_err(w, "%s entry %u is 0, skipped", sig, i);
			continue;
		}
		t = acpi_table(w, pa, NULL, &tlen, tsig);
		if (t)
			acpi_table_found(w, pa, t, tlen, tsig);
	}
}

/* 5.2.5.3: checksum of the first 20 bytes, and for revision >= 2 of 'length' bytes. */
static const u8 *acpi_rsdp(struct acpi_walk *w, u64 pa, bool *ext_ok)
{
	const u8 *r = pa ? w->map(pa, ACPI_RSDP_V1_LEN, w->ctx) : NULL;
	const u8 *full;
	u32 l;

	*ext_ok = false;
	if (!r) {
		acpi_err(w, "RSDP at 0x%lx not readable", pa);
		return NULL;
	}
	if (!sig_is(r, ACPI_RSDP_SIG)) {
		acpi_err(w, "RSDP at 0x%lx: no 'RSD PTR ' signature", pa);
		return NULL;
	}
	if (acpi_checksum(r, ACPI_RSDP_V1_LEN)) {
		acpi_err(w, "RSDP at 0x%lx: checksum bad", pa);
		return NULL;
	}
	if (r[ACPI_RSDP_OFF_REVISION] < 2)
		return r;
	r = w->map(pa, ACPI_RSDP_V2_LEN, w->ctx);
	if (!r) {
		acpi_err(w, "RSDP at 0x%lx: revision 2 but 36 bytes not readable", pa);
		return w->map(pa, ACPI_RSDP_V1_LEN, w->ctx);
	}
	l = acpi_ld32(r + ACPI_RSDP_OFF_LENGTH);
	if (l < ACPI_RSDP_V2_LEN || l > PAGE_SIZE) {
		acpi_err(w, "RSDP at 0x%lx: length %u invalid, XSDT not trusted", pa, l);
		return r;
	}
	full = w->map(pa, l, w->ctx);
	if (!full || acpi_checksum(full, l)) {
		acpi_err(w, "RSDP at 0x%lx: extended checksum bad, XSDT not trusted", pa);
		return r;
	}
	*ext_ok = true;
	return r;
}

int acpi_parse(u64 rsdp_paddr, acpi_map_fn map, void *ctx, struct acpi_info *out)
{
	struct acpi_walk w = {.map = map, .ctx = ctx, .out = out};
	const u8 *r, *root = NULL;
	bool ext_ok;
	char sig[5];
	u32 len = 0;
	u64 xsdt = 0, rsdt;

	for (size_t i = 0; i < sizeof(*out); i++)
		((u8 *)out)[i] = 0;
	r = acpi_rsdp(&w, rsdp_paddr, &ext_ok);
	if (!r)
		return -1;
	out->rsdp_rev = r[ACPI_RSDP_OFF_REVISION];
	for (int i = 0; i < 6; i++) {
		u8 ch = r[ACPI_RSDP_OFF_OEMID + i];

		out->oem[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	rsdt = acpi_ld32(r + ACPI_RSDP_OFF_RSDT);
	if (ext_ok)
		xsdt = acpi_ld64(r + ACPI_RSDP_OFF_XSDT);

	/* 5.2.5.3: "platforms provide both; OSPM uses the XSDT when it is present". */
	if (xsdt) {
		root = acpi_table(&w, xsdt, "XSDT", &len, sig);
		if (root) {
			out->xsdt_used = true;
			acpi_root_walk(&w, root, len, 8, "XSDT");
			return 0;
		}
		if (rsdt)
			acpi_err(&w, "falling back to the RSDT at 0x%lx", rsdt);
	}
	if (!rsdt) {
		acpi_err(&w, "RSDP at 0x%lx: no usable RSDT or XSDT", rsdp_paddr);
		return -1;
	}
	root = acpi_table(&w, rsdt, "RSDT", &len, sig);
	if (!root)
		return -1;
	acpi_root_walk(&w, root, len, 4, "RSDT");
	return 0;
}

/* Scan [base, base + len) for the RSDP signature at 16-byte boundaries (5.2.5.1). */
static u64 acpi_scan(acpi_map_fn map, void *ctx, u64 base, u32 len)
{
	const u8 *p = map(base, len, ctx);

	if (!p)
		return 0;
	for (u32 off = 0; off + ACPI_RSDP_V1_LEN <= len; off += 16)
		if (sig_is(p + off, ACPI_RSDP_SIG) && !acpi_checksum(p + off, ACPI_RSDP_V1_LEN))
			return base + off;
	return 0;
}

u64 acpi_find_rsdp_legacy(acpi_map_fn map, void *ctx)
{
	/* 5.2.5.1: "the first 1 KB of the Extended BIOS Data Area", segment stored at 40:0Eh */
	const u8 *seg = map(0x40e, 2, ctx);
	u64 pa = 0;

	if (seg && acpi_ld16(seg))
		pa = acpi_scan(map, ctx, (u64)acpi_ld16(seg) << 4, 1024);
	if (!pa) /* "the BIOS read-only memory space between 0E0000h and 0FFFFFh" */
		pa = acpi_scan(map, ctx, 0xe0000, 0x20000);
	return pa;
}
