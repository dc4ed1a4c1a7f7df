/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * macros.h - the few macros every part of ferry uses, defined once.
 */
#ifndef FERRY_MACROS_H
#define FERRY_MACROS_H

/* The number of elements of an array (not of a pointer). */
#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

#endif
