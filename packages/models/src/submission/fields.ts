import { z } from 'zod';
import { MAX_ENV_NAME_BYTES } from './limits.js';
import { CONTAINER_SYSTEM_TREES } from './policy.js';

/** Field rules shared by every part of a submission. */

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused.
const CONTROL = /[\u0000-\u001f\u007f]/;
export const MAX_NAME_LENGTH = 255;

/** Names and ids: printable, at most 255 characters. */
export const NameSchema = z
  .string()
  .max(MAX_NAME_LENGTH, `must be at most ${MAX_NAME_LENGTH} characters`)
  .refine((s) => !CONTROL.test(s), 'must not contain control characters');

/**
 * A ResultPath's name becomes a directory on the agent and in the published archive, beside the
 * run's own `stdout`, `stderr` and `exitCode`: one plain path segment, none of those.
 */
export const RESULT_NAME_RESERVED = ['stdout', 'stderr', 'exitCode', 'published', 'results'] as const;
export const ResultNameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/,
    'must be 1-128 letters, digits, ".", "_" or "-", starting alphanumeric (it names a directory)',
  )
  .refine((s) => !(RESULT_NAME_RESERVED as readonly string[]).includes(s), {
    error: `must not be one of ${RESULT_NAME_RESERVED.join(', ')} (the published results use those names)`,
  });

export const NamespaceSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/,
    'must be 1-63 letters, digits, ".", "_" or "-", starting alphanumeric',
  );

/** Text that may be long (env values, meta values) but never holds a NUL. */
export const NoNulSchema = z.string().refine((s) => !s.includes('\u0000'), 'must not contain NUL bytes');

export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Variables the agent sets itself; a task may not override them. */
export const RESERVED_ENV_PREFIXES = ['SHOAL_', 'BACALHAU_'] as const;

export function envNameProblem(name: string): string | undefined {
  if (name === '') return 'environment variable name must not be empty';
  // The pattern below admits ASCII only, so characters are bytes here.
  if (name.length > MAX_ENV_NAME_BYTES) {
    return `environment variable name must be at most ${MAX_ENV_NAME_BYTES} bytes`;
  }
  if (!ENV_NAME.test(name)) {
    return `invalid environment variable name ${JSON.stringify(name)}: use letters, digits and "_", not starting with a digit`;
  }
  const reserved = RESERVED_ENV_PREFIXES.find((p) => name.toUpperCase().startsWith(p));
  if (reserved) return `environment variable ${name} uses the reserved prefix ${reserved}`;
  return undefined;
}

/** Absolute, normalised POSIX paths without `..` segments (the agent still resolves symlinks). */
export const AbsolutePathSchema = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => p.startsWith('/'), 'must be an absolute path')
  .refine((p) => !p.includes('\u0000'), 'must not contain NUL bytes')
  .refine((p) => !p.split('/').includes('..'), 'must not contain ".." segments');

/**
 * A path inside the container that the agent mounts (a result path, an input's target). Stored
 * normalised; never `/` itself, and never in the kernel's and devices' trees, which the runtime
 * provides and a mount over would break (or, for results, would copy out the host's view of them).
 */
export const ContainerPathSchema = AbsolutePathSchema.superRefine((raw, ctx) => {
  // Relative paths and `..` segments are reported above; this judges only what they let through.
  if (!raw.startsWith('/') || raw.split('/').includes('..')) return;
  const path = normalisePath(raw);
  if (path === '/') {
    ctx.addIssue({ code: 'custom', message: 'must not be / (name a directory inside the container)' });
    return;
  }
  const tree = CONTAINER_SYSTEM_TREES.find((t) => isWithin(path, t));
  if (tree)
    ctx.addIssue({
      code: 'custom',
      message: `must not be under ${tree} (the container runtime mounts its own there)`,
    });
});

export function normalisePath(p: string): string {
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  return `/${parts.join('/')}`;
}

/** Whether `child` is `parent` or lies below it (both normalised). */
export function isWithin(child: string, parent: string): boolean {
  return parent === '/' || child === parent || child.startsWith(`${parent}/`);
}

/**
 * Docker image references, after the grammar of distribution/reference:
 * [registry[:port]/]path[:tag][@digest].
 */
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REGISTRY =
  '(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]+)?/)';
const IMAGE_REF = new RegExp(
  `^${REGISTRY}?${COMPONENT}(?:/${COMPONENT})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`,
);
export const MAX_IMAGE_LENGTH = 255;

export function imageReferenceProblem(image: string): string | undefined {
  if (image.trim() === '') return 'must not be empty';
  if (image.length > MAX_IMAGE_LENGTH) return `must be at most ${MAX_IMAGE_LENGTH} characters`;
  if (!IMAGE_REF.test(image)) {
    return `invalid image reference ${JSON.stringify(image)}: expected [registry/]name[:tag][@sha256:digest] in lower case`;
  }
  return undefined;
}

/** `*` matches any run of characters; everything else is literal. */
export function globMatches(pattern: string, value: string): boolean {
  const source = pattern
    .split('*')
    .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`).test(value);
}
