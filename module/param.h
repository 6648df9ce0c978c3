/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A module parameter that is an unsigned int within [min, max], the one
 * kind the module has most of. A value out of range or not a number
 * refuses the load (or the write, where perm allows one) with EINVAL
 * and the kernel's one line naming the parameter (docs/format.md).
 */
#ifndef FORKSTAT_PARAM_H
#define FORKSTAT_PARAM_H

#include <linux/moduleparam.h>

#define FORKSTAT_PARAM_UINT(name, min, max, perm, desc)			\
static int forkstat_set_##name(const char *val, const struct kernel_param *kp) \
{									\
	return param_set_uint_minmax(val, kp, min, max);		\
}									\
static const struct kernel_param_ops forkstat_##name##_ops = {		\
	.set = forkstat_set_##name,					\
	.get = param_get_uint,						\
};									\
module_param_cb(name, &forkstat_##name##_ops, &name, perm);		\
MODULE_PARM_DESC(name, desc)

#endif /* FORKSTAT_PARAM_H */
