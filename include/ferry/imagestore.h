/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * imagestore.h - save images that are never restored stale or twice.
 *
 * Ownership of memory images is kept behind this small interface so that the
 * ledger daemon can later replace the files with cluster-wide state.
 *
 * File backend, in the shared save_dir, per VM NAME:
 *   NAME.gen          current generation + UUID (atomically replaced)
 *   NAME.save         the image libvirt wrote (its embedded domain XML carries
 *                     the UUID and the generation, see agents/)
 *   NAME.save.meta    sidecar written after the image is complete: UUID,
 *                     generation, size, checksum of head and tail
 *   NAME.save.body    written beside it when the store was asked for a check of
 *                     the whole image (imagestore_whole_crc: a stop that saves,
 *                     off a quick move's critical path): the CRC-32 of every
 *                     byte, and the generation, size and head CRC it belongs to
 *   NAME.save.part    an image being written (never restored)
 *   NAME.save.<why>.<gen>.<unix_s>  images moved aside (consumed, stale, ...)
 *
 * Rules (imagerules_judge is the pure core): an image is restorable only if
 * its sidecar exists, its UUID is the VM's, its generation equals the current
 * generation, and its size and checksums match.  A cold boot bumps the
 * generation (existing images become stale); a restore consumes the image
 * (renamed, fsync'd) and bumps the generation.  Nothing is deleted silently:
 * refused images are moved aside with the reason in their name.
 */
#ifndef FERRY_IMAGESTORE_H
#define FERRY_IMAGESTORE_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

#define IMAGE_UUID_LEN 36 /* canonical text form, without NUL */

enum image_verdict {
	IMAGE_NONE = 0,   /* no image */
	IMAGE_VALID,      /* restore it */
	IMAGE_STALE,      /* older generation than current */
	IMAGE_CONSUMED,   /* already restored once */
	IMAGE_TRUNCATED,  /* size differs from the sidecar, or no sidecar */
	IMAGE_CORRUPT,    /* checksum or format mismatch */
	IMAGE_WRONG_UUID, /* belongs to another VM */
	_IMAGE_VERDICT_MAX,
};

struct image_meta {
	char uuid[IMAGE_UUID_LEN + 1];
	uint64_t generation;
	uint64_t size_bytes;
	uint32_t head_crc; /* CRC-32 of the first min(size, 1 MiB) bytes */
	uint32_t tail_crc; /* CRC-32 of the last min(size, 1 MiB) bytes */
	bool consumed;
	/* from NAME.save.body when it belongs to this image (same generation,
	 * size and head CRC); images without one are checked by head and tail */
	bool has_body_crc;
	uint32_t body_crc; /* CRC-32 of the whole image */
};

/* What is actually on disk, measured by the adapter. */
struct image_observed {
	bool image_exists;
	bool meta_exists; /* sidecar present and parsed */
	uint64_t size_bytes;
	uint32_t head_crc;
	uint32_t tail_crc;
	/* additions */
	bool meta_unreadable; /* sidecar present but not parsable (-> IMAGE_CORRUPT) */
	bool body_measured;   /* body_crc holds the CRC-32 of the whole image */
	uint32_t body_crc;
};

/*
 * File formats (text, one key=value per line, '\n'-terminated, at most
 * IMAGESTORE_MAX_FILE bytes; unknown keys are refused, every key required
 * exactly once; version=1 first):
 *   NAME.gen:        version=1 / uuid=<36> / generation=<decimal>
 *   NAME.save.meta:  version=1 / uuid=<36> / generation=<decimal> /
 *                    size=<decimal> / head_crc=<8 hex> / tail_crc=<8 hex> /
 *                    consumed=<0|1>
 *   NAME.save.body:  version=1 / generation=<decimal> / size=<decimal> /
 *                    head_crc=<8 hex> / body_crc=<8 hex>
 *                    (a file of its own, so that a ferry without it, during a
 *                    rolling upgrade, still reads the sidecar; it ignores it)
 * Both are replaced atomically: NAME.x.tmp, write, fsync, rename, fsync(dir).
 * An unparsable NAME.gen is never rewritten: imagestore_open() -> -EBADMSG.
 * Moved-aside images keep their sidecar next to them: ASIDE and ASIDE.meta,
 * ASIDE = NAME.save.<verdict name>.<image generation>.<unix_s>[.<n>]; an
 * existing name is never overwritten (.<n> is added).  A leftover
 * NAME.save.part becomes NAME.save.partial.<gen>.<unix_s>[.<n>] (no sidecar).
 * Judgement order (imagerules_judge): no image -> NONE; sidecar unreadable ->
 * CORRUPT; no sidecar -> TRUNCATED; other UUID -> WRONG_UUID; consumed ->
 * CONSUMED; generation < current -> STALE; generation > current (the .gen
 * file was reset) -> CORRUPT; size differs -> TRUNCATED; CRC differs ->
 * CORRUPT; the whole image's CRC recorded and measured and different ->
 * CORRUPT; else VALID.
 */
#define IMAGESTORE_MAX_FILE 1024
#define IMAGESTORE_CRC_SPAN (1024 * 1024)

const char *image_verdict_name(enum image_verdict v);

/* Pure rule: no I/O.  meta may be NULL when obs->meta_exists is false. */
enum image_verdict imagerules_judge(const char *vm_uuid, uint64_t current_generation,
                                    const struct image_meta *meta,
                                    const struct image_observed *obs);

struct imagestore;

/* Opens (creating NAME.gen at generation 0 if absent; one past the image's
 * generation if an image is already there without NAME.gen, so that an image
 * of unknown history is judged stale) the store of one VM.
 * -ENOENT save_dir missing, -EACCES not writable, -EUCLEAN NAME.gen names
 * another UUID, -EBADMSG NAME.gen unparsable, -EINVAL bad name or UUID
 * (name: 1..200 bytes, no '/', not starting with '.'; UUID: canonical
 * 8-4-4-4-12 hex, stored lower-case). */
int imagestore_open(const char *save_dir, const char *vm_name, const char *vm_uuid,
                    struct imagestore **ret);
struct imagestore *imagestore_free(struct imagestore *s);

int imagestore_generation(struct imagestore *s, uint64_t *ret_gen);

/* A cold boot is about to happen: bump the generation; an image present is
 * moved aside as stale.  Returns the new generation. */
int imagestore_cold_boot(struct imagestore *s, uint64_t *ret_gen);

/* Save: begin gives the path libvirt must write (NAME.save.part) and the
 * generation to embed; commit fsyncs it, writes the sidecar and renames it to
 * NAME.save (fsyncing the directory); abort unlinks the partial file.
 * A NAME.save.part left by an earlier save (e.g. a failed commit) is moved
 * aside by begin as NAME.save.partial.<gen>.<unix_s>, never deleted; an
 * image already at NAME.save is moved aside as stale by commit. */
int imagestore_save_begin(struct imagestore *s, const char **ret_path, uint64_t *ret_gen);
/* From now on this store's commits also record the CRC-32 of the whole image
 * (NAME.save.body), and a restore_check of such an image reads it all: a
 * flipped bit anywhere in an image at rest is caught, at the price of one
 * more read of the image at the commit and at the check.  For images that
 * wait (a stop that saves), not for a quick move's. */
void imagestore_whole_crc(struct imagestore *s, bool on);
int imagestore_save_commit(struct imagestore *s);
int imagestore_save_abort(struct imagestore *s);

/* Look for a restorable image.  Returns 0 and sets *ret_verdict; for
 * IMAGE_VALID, *ret_path is the image and *ret_gen its generation.  Any
 * other verdict except IMAGE_NONE has already moved the image aside
 * (*ret_path then names where it went). */
int imagestore_restore_check(struct imagestore *s, enum image_verdict *ret_verdict,
                             const char **ret_path, uint64_t *ret_gen);

/* The caller found a problem the store cannot see (e.g. the UUID or
 * generation embedded in the image XML differ): move it aside as `verdict`. */
int imagestore_reject(struct imagestore *s, enum image_verdict verdict, const char **ret_aside);

/* The image was restored into a paused domain: mark it consumed (rename +
 * fsync) and bump the generation.  Call before resuming the guest.
 * The generation is bumped first: on failure nothing changed and the image
 * is still valid; on success it can never be restored again. */
int imagestore_restore_consume(struct imagestore *s);

/* True if NAME.save exists (valid or not): start must not cold boot over it
 * without judging it first. */
bool imagestore_has_image(struct imagestore *s);

#endif
