import { z } from 'zod';
import { envNameProblem, NameSchema, NoNulSchema } from './fields.js';

/**
 * The wasm engine's Params, with Bacalhau's names: the module to run (EntryModule, an input
 * source), the exported function to call (Entrypoint, `_start` by default), its arguments
 * (Parameters, argv after the module's name) and its environment (EnvironmentVariables, a map).
 * ImportModules exist in Bacalhau; this engine links a module against WASI only, so a non-empty
 * list is refused here rather than ignored on the agent.
 */

/** Where the engine can fetch a module from: the bytes in the job (`inline`) or an HTTP(S) URL. */
export const WASM_MODULE_SOURCE_TYPES = ['inline', 'urlDownload'] as const;

/** Bacalhau's Go struct reads `EntryPoint` (its JSON tag) and `Entrypoint` (its field) alike. */
const ENTRYPOINT_SPELLINGS = ['EntryPoint', 'entrypoint', 'entryPoint'];

const ModuleSourceSchema = z
  .strictObject({
    Type: z.string(),
    Params: z.record(z.string(), z.unknown()).nullish(),
  })
  .superRefine((source, ctx) => {
    const type = WASM_MODULE_SOURCE_TYPES.find((t) => t.toLowerCase() === source.Type.toLowerCase());
    if (!type) {
      ctx.addIssue({
        code: 'custom',
        path: ['Type'],
        message: `a wasm module comes from ${WASM_MODULE_SOURCE_TYPES.join(' or ')}, not ${JSON.stringify(source.Type)}`,
      });
      return;
    }
    const params = source.Params ?? {};
    for (const key of Object.keys(params))
      if (key !== 'URL') ctx.addIssue({ code: 'custom', path: ['Params', key], message: 'unknown field' });
    const url = params.URL;
    const problem =
      typeof url !== 'string' || url === ''
        ? 'is required'
        : type === 'inline'
          ? /^data:[^,]*,/i.test(url)
            ? undefined
            : 'must be a data: URI (data:[<media type>][;base64],<data>)'
          : /^https?:\/\/[^/\s]/i.test(url)
            ? undefined
            : 'must be an http:// or https:// URL';
    if (problem) ctx.addIssue({ code: 'custom', path: ['Params', 'URL'], message: problem });
  });

export const WasmModuleInputSchema = z.strictObject({
  Source: ModuleSourceSchema,
  Alias: NoNulSchema.max(255).nullish(),
  Target: NoNulSchema.max(4096).nullish(),
});
export type WasmModuleInput = z.output<typeof WasmModuleInputSchema>;

/** An exported function's name: any UTF-8 string in wasm, kept printable here. */
const ExportNameSchema = NameSchema.min(1);

const EnvMapSchema = z
  .record(z.string(), NoNulSchema)
  .nullish()
  .transform((v) => v ?? {})
  .superRefine((env, ctx) => {
    for (const name of Object.keys(env)) {
      const problem = envNameProblem(name);
      if (problem) ctx.addIssue({ code: 'custom', path: [name], message: problem });
    }
  });

export const WasmParamsSchema = z.preprocess(
  (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    const record = value as Record<string, unknown>;
    const spelled = ENTRYPOINT_SPELLINGS.find((k) => Object.hasOwn(record, k));
    if (spelled === undefined || Object.hasOwn(record, 'Entrypoint')) return value;
    const { [spelled]: entrypoint, ...rest } = record;
    return { ...rest, Entrypoint: entrypoint };
  },
  z.strictObject({
    EntryModule: WasmModuleInputSchema,
    Entrypoint: z
      .union([z.literal(''), ExportNameSchema])
      .nullish()
      .transform((v) => v || '_start'),
    Parameters: z
      .array(NoNulSchema)
      .nullish()
      .transform((v) => v ?? []),
    EnvironmentVariables: EnvMapSchema,
    ImportModules: z
      .array(z.unknown())
      .nullish()
      .transform((v) => v ?? [])
      .refine((v) => v.length === 0, {
        error: 'import modules are not supported: a module may import only wasi_snapshot_preview1',
      }),
  }),
);
export type WasmParams = z.output<typeof WasmParamsSchema>;
