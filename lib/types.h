/* Leaf header: fixed-width types for freestanding and host builds alike. */
#ifndef KERNEL_TYPES_H
#define KERNEL_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef u64 paddr_t;

#define BIT(n)	   (1u << (n))
#define BIT_ULL(n) (1ull << (n))
/* Bits h..l inclusive, as a 64-bit mask. */
#define GENMASK_ULL(h, l) ((~0ull >> (63 - (h))) & (~0ull << (l)))

#endif
