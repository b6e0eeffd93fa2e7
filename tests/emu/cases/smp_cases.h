/* The SMP test cases, callable one by one (test=smp-ipi ...) or all at once (test=smp). */
#ifndef TESTS_EMU_CASES_SMP_CASES_H
#define TESTS_EMU_CASES_SMP_CASES_H

void smp_case_online(void);
void smp_case_ipi(void);
void smp_case_timer(void);
void smp_case_spinlock(void);
void smp_case_paging(void);

#endif
