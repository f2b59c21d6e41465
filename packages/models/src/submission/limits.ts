/**
 * How much a submission may hold, in one place. A job is stored, matched against nodes at every
 * scheduling pass and sent whole to an agent in one NATS message, so its size and the number of its
 * entries are bounded; the API (413 or 400) and the CLI check against these numbers. Sizes are
 * UTF-8 bytes. Rules of single fields (name lengths, Count, timeouts, label syntax) stay with the
 * fields, in fields.ts, job-input.ts and labels/.
 */

/**
 * The job spec, as compact JSON. It travels whole in an AskForBid, and NATS refuses messages over
 * its max_payload, 1 MiB by default (the agents refuse bigger ones too: DEFAULT_MAX_MESSAGE_BYTES).
 * A job over that would be stored and then never reach an agent, Pending for good. The default
 * leaves a quarter of the message for the envelope and for what normalising adds (defaults,
 * server-set fields: a few KiB with the caps below); the ceiling is the most an operator may
 * configure and still leaves 64 KiB of that room.
 */
export const DEFAULT_MAX_JOB_BYTES = 768 * 1024;
export const MAX_JOB_BYTES_CEILING = 960 * 1024;

/**
 * Request bodies nest at most this deep. A job needs about eight levels; the JSON parser recurses,
 * so without a cap a deep enough body exhausts the stack.
 */
export const MAX_JSON_DEPTH = 64;

/** Job.Labels: every node selection matches them. Keys and values follow Kubernetes' rules. */
export const MAX_LABELS = 64;

/** Job.Meta and a task's Meta: entries, key length (1 to this), and each value. */
export const MAX_META_ENTRIES = 64;
export const MAX_META_KEY_BYTES = 255;
export const MAX_META_VALUE_BYTES = 4 * 1024;

/**
 * A task's Env: variables, name length, and the whole environment (names, values and the docker
 * engine's EnvironmentVariables), which bounds each value too. Well under Linux's limit of 128 KiB
 * for one variable.
 */
export const MAX_ENV_VARS = 128;
export const MAX_ENV_NAME_BYTES = 128;
export const MAX_ENV_BYTES = 64 * 1024;

/** Job.Constraints, and the values of one (`in`, `notin`): each is evaluated against every node. */
export const MAX_CONSTRAINTS = 64;
export const MAX_CONSTRAINT_VALUES = 64;

/** A task's InputSources and ResultPaths: each one is a mount the agent makes. */
export const MAX_INPUT_SOURCES = 64;
export const MAX_RESULT_PATHS = 64;

const encoder = new TextEncoder();

/** The UTF-8 length the limits above are measured in. */
export function utf8Bytes(text: string): number {
  return encoder.encode(text).byteLength;
}
