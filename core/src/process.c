/* placeholder */
#include "fx_sched.h"
void fx__sched_free_all(fx_runtime_t *rt) { (void)rt; }
