#ifndef ARCH_X86_PIC_H
#define ARCH_X86_PIC_H
/* Remaps the legacy 8259 pair away from the exception vectors and masks every line. */
void pic_disable(void);
#endif
