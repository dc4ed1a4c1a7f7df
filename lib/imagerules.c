/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * imagerules.c - may this save image be restored?  Pure: the adapter
 * (imagestore.c) measures the files, this decides.  Order in imagestore.h.
 */
#include <config.h>

#include <strings.h>

#include "ferry/macros.h"
#include "ferry/imagestore.h"

/* Also used in the names of images moved aside: no '/' or blanks. */
static const char *const verdict_names[] = {
        [IMAGE_NONE] = "none",
        [IMAGE_VALID] = "valid",
        [IMAGE_STALE] = "stale",
        [IMAGE_CONSUMED] = "consumed",
        [IMAGE_TRUNCATED] = "truncated",
        [IMAGE_CORRUPT] = "corrupt",
        [IMAGE_WRONG_UUID] = "wrong-uuid",
};
_Static_assert(ELEMENTSOF(verdict_names) == _IMAGE_VERDICT_MAX, "verdict_names size");

const char *
image_verdict_name(enum image_verdict v)
{
	if ((unsigned)v >= ELEMENTSOF(verdict_names))
		return NULL;
	return verdict_names[v];
}

enum image_verdict
imagerules_judge(const char *vm_uuid, uint64_t current_generation, const struct image_meta *meta,
                 const struct image_observed *obs)
{
	if (obs == NULL || !obs->image_exists)
		return IMAGE_NONE;
	if (obs->meta_unreadable)
		return IMAGE_CORRUPT;
	if (!obs->meta_exists || meta == NULL)
		return IMAGE_TRUNCATED;
	if (vm_uuid == NULL || strncasecmp(meta->uuid, vm_uuid, IMAGE_UUID_LEN + 1) != 0)
		return IMAGE_WRONG_UUID;
	if (meta->consumed)
		return IMAGE_CONSUMED;
	if (meta->generation < current_generation)
		return IMAGE_STALE;
	if (meta->generation > current_generation)
		return IMAGE_CORRUPT; /* the .gen file went backwards: trust neither */
	if (obs->size_bytes != meta->size_bytes)
		return IMAGE_TRUNCATED;
	if (obs->head_crc != meta->head_crc || obs->tail_crc != meta->tail_crc)
		return IMAGE_CORRUPT;
	if (meta->has_body_crc && obs->body_measured && obs->body_crc != meta->body_crc)
		return IMAGE_CORRUPT;
	return IMAGE_VALID;
}
